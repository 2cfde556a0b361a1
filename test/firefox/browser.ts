/**
 * Debian's Firefox ESR with the built Firefox add-on (dist-firefox/), driven over WebDriver BiDi by
 * puppeteer-core (never a downloaded browser). The add-on is installed as a temporary add-on, with a
 * fixed internal UUID so its pages have a known moz-extension:// origin.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import puppeteer, { type Browser, type Page } from 'puppeteer-core'
import { GECKO_ID } from '../../build/targets.ts'

/** The build under test: `dist-firefox/`, or another build named by TRICKLE_FIREFOX_EXTENSION_DIR. */
export const FIREFOX_EXTENSION_DIR = process.env.TRICKLE_FIREFOX_EXTENSION_DIR ?? resolve(import.meta.dirname, '../../dist-firefox')

/** The add-on's internal UUID for these tests (Firefox gives each install a random one otherwise). */
export const EXTENSION_UUID = '3f1b2c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'
export const EXTENSION_ORIGIN = `moz-extension://${EXTENSION_UUID}`

export function firefoxPath(): string {
  const candidates = [process.env.FIREFOX_PATH, '/usr/lib/firefox-esr/firefox-esr', '/usr/bin/firefox-esr'].filter((p): p is string => p !== undefined && p !== '')
  const found = candidates.find((p) => existsSync(p))
  if (found === undefined) throw new Error('Firefox not found: run `apt-get install -y firefox-esr` or set FIREFOX_PATH.')
  return found
}

export interface FirefoxWithExtension {
  browser: Browser
  /** Opens one of the add-on's own pages in a new tab and waits until it has loaded. */
  openExtensionPage(path: string): Promise<Page>
  close(): Promise<void>
}

/**
 * `idleTimeoutMs`: Firefox's `extensions.background.idle.timeout`, how long the event page may sit
 * without extension events before Firefox stops it (30 s by default). `acceptInsecureCerts`: accept a
 * test's self-signed certificate.
 */
export async function launchFirefox(opts: { idleTimeoutMs?: number; extensionDir?: string; acceptInsecureCerts?: boolean } = {}): Promise<FirefoxWithExtension> {
  const dir = opts.extensionDir ?? FIREFOX_EXTENSION_DIR
  if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`No Firefox build in ${dir}: run \`npm run build:firefox\` first.`)
  const profile = mkdtempSync(join(tmpdir(), 'trickle-firefox-'))
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: firefoxPath(),
    headless: true,
    userDataDir: profile,
    // A test's self-signed certificate (a wss:// uplink) is accepted only when asked for.
    acceptInsecureCerts: opts.acceptInsecureCerts === true,
    // Lets the remote protocol open moz-extension:// pages.
    args: ['--remote-allow-system-access', '--width=1100', '--height=800'],
    extraPrefsFirefox: {
      'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: EXTENSION_UUID }),
      ...(opts.idleTimeoutMs === undefined ? {} : { 'extensions.background.idle.timeout': opts.idleTimeoutMs }),
    },
  })
  await browser.installExtension(dir)
  // An install (a temporary one too) opens Trickle's welcome page in a tab of its own. Wait for it,
  // so that it cannot open later in front of a page a test has brought to the front. (Over BiDi an
  // extension page's url() reads about:blank: its document says where it is.)
  if (existsSync(join(dir, 'src/welcome/index.html'))) {
    const welcome = `${EXTENSION_ORIGIN}/src/welcome/index.html`
    const deadline = Date.now() + 10_000
    const opened = async (): Promise<boolean> => {
      for (const page of await browser.pages()) if (await page.evaluate(() => location.href).catch(() => '') === welcome) return true
      return false
    }
    while (!(await opened())) {
      if (Date.now() > deadline) throw new Error('the welcome page did not open on install')
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  return {
    browser,
    async openExtensionPage(path) {
      const page = await browser.newPage()
      // Firefox sends no load event for moz-extension:// pages over BiDi: navigate, then poll.
      void page.goto(`${EXTENSION_ORIGIN}/${path.replace(/^\//, '')}`).catch(() => undefined)
      await waitForLoad(page)
      return page
    },
    async close() {
      await browser.close().catch(() => undefined)
      try {
        rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
      } catch {
        // leave it to the OS's temp cleaning
      }
    },
  }
}

/** Waits until `page` has a document that finished loading (the extension's pages send no load event). */
export async function waitForLoad(page: Page, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      // page.url() can lag behind (Firefox replaces the frame); ask the document itself.
      const { href, state } = await page.evaluate(() => ({ href: location.href, state: document.readyState }))
      if (href.startsWith(EXTENSION_ORIGIN) && state === 'complete') return
    } catch {
      // the document is being replaced
    }
    if (Date.now() > deadline) throw new Error(`the extension's page did not load within ${timeoutMs} ms`)
    await new Promise((r) => setTimeout(r, 50))
  }
}
