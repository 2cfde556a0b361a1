/**
 * Debian's Chromium with the built extension loaded, driven by playwright-core (never a downloaded
 * browser). Used by the sandbox, the end-to-end tests and the benchmarks.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core'

/** Chromium writes the port it chose to DevToolsActivePort in the profile. */
async function waitForDevToolsPort(profile: string, proc: ChildProcess, stderr: () => string): Promise<number> {
  const file = join(profile, 'DevToolsActivePort')
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`Chromium exited (${proc.exitCode}): ${stderr()}`)
    if (existsSync(file)) {
      const port = Number(readFileSync(file, 'utf8').split('\n')[0])
      if (port > 0) return port
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  proc.kill('SIGKILL')
  throw new Error(`Chromium did not open its DevTools port: ${stderr()}`)
}

/** The build under test: `dist/`, or another build named by TRICKLE_EXTENSION_DIR (to try a test on an older build). */
export const EXTENSION_DIR = process.env.TRICKLE_EXTENSION_DIR ?? resolve(import.meta.dirname, '../../dist')

/** The real binary: /usr/bin/chromium is a wrapper that adds an empty --load-extension= of its own. */
export function chromiumPath(): string {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium'].filter((p): p is string => p !== undefined && p !== '')
  const found = candidates.find((p) => existsSync(p))
  if (found === undefined) throw new Error('Chromium not found: run `apt-get install -y chromium` or set CHROMIUM_PATH.')
  return found
}

export interface ExtensionBrowser {
  context: BrowserContext
  extensionId: string
  /** The extension's service worker, waiting for it to (re)start if needed. */
  worker(): Promise<Worker>
  /** Stops the service worker the hard way (CDP), as the browser may at any moment. */
  killWorker(): Promise<void>
  /** The browser's DevTools WebSocket (raw CDP, for what Playwright's sessions cannot reach: the worker's network). */
  cdpUrl(): Promise<string>
  /** Opens one of the extension's own pages in a tab. */
  openExtensionPage(path: string): Promise<Page>
  close(): Promise<void>
}

/**
 * `lang`: the browser's UI language (and so the extension's, chrome.i18n.getUILanguage()). On Linux
 * Chromium takes it from the environment (LANGUAGE, then LC_ALL/LANG), `--lang` elsewhere; both are set,
 * with the same first Accept-Language. `env`: more environment for the browser process. `alsoLoad`:
 * other unpacked extensions loaded beside it (a benchmark's reference).
 */
export async function launchWithExtension(opts: { headless?: boolean; extensionDir?: string; args?: string[]; lang?: string; env?: Record<string, string>; alsoLoad?: string[] } = {}): Promise<ExtensionBrowser> {
  const dir = opts.extensionDir ?? EXTENSION_DIR
  if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`No built extension in ${dir}: run \`npm run build\` first.`)
  const profile = mkdtempSync(join(tmpdir(), 'trickle-profile-'))
  const headless = opts.headless ?? true
  // Chromium is started here and Playwright attaches over CDP with `noDefaults`: Playwright's own
  // launch enables focus emulation, which keeps every tab "visible" and would hide the very
  // behaviour under test (pausing in background tabs), and it disables the back/forward cache.
  const proc = spawn(chromiumPath(), [
    `--user-data-dir=${profile}`,
    '--remote-debugging-port=0',
    `--disable-extensions-except=${[dir, ...(opts.alsoLoad ?? [])].join(',')}`,
    `--load-extension=${[dir, ...(opts.alsoLoad ?? [])].join(',')}`,
    ...(headless ? ['--headless=new'] : []),
    '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-default-browser-check', '--password-store=basic',
    '--window-size=1100,800',
    ...(opts.lang === undefined ? [] : [`--lang=${opts.lang}`, `--accept-lang=${opts.lang}`]),
    ...(opts.args ?? []),
    'about:blank',
  ], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...(opts.lang === undefined ? {} : { LANGUAGE: opts.lang, LANG: `${opts.lang.replace(/-/g, '_')}.UTF-8`, LC_ALL: '' }), ...opts.env },
  })
  let stderr = ''
  proc.stderr.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000) })
  const port = await waitForDevToolsPort(profile, proc, () => stderr)
  const browser = await chromium.connectOverCDP(`http://127.0.0.1:${port}`, { noDefaults: true, isLocal: true })
  const context = browser.contexts()[0]
  if (context === undefined) throw new Error('Chromium has no default context')
  const worker = async (): Promise<Worker> => {
    const existing = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'))
    return existing ?? await context.waitForEvent('serviceworker', { timeout: 10_000 })
  }
  const first = await worker()
  const extensionId = new URL(first.url()).host
  // A fresh profile is a fresh install: Trickle opens its welcome page in a tab of its own. Wait for
  // it, so that it cannot open later in front of a page the caller has brought to the front.
  if (existsSync(join(dir, 'src/welcome/index.html'))) {
    const welcome = `chrome-extension://${extensionId}/src/welcome/index.html`
    const deadline = Date.now() + 10_000
    while (!context.pages().some((p) => p.url() === welcome)) {
      if (Date.now() > deadline) throw new Error('the welcome page did not open on install')
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  return {
    context,
    extensionId,
    worker,
    async killWorker() {
      const cdp = await browser.newBrowserCDPSession()
      try {
        const { targetInfos } = await cdp.send('Target.getTargets') as { targetInfos: { targetId: string; type: string; url: string }[] }
        const target = targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${extensionId}/`))
        if (target === undefined) throw new Error('the extension has no running service worker')
        await cdp.send('Target.closeTarget', { targetId: target.targetId })
      } finally {
        await cdp.detach().catch(() => undefined)
      }
    },
    async cdpUrl() {
      const info = await (await fetch(`http://127.0.0.1:${port}/json/version`)).json() as { webSocketDebuggerUrl: string }
      return info.webSocketDebuggerUrl
    },
    async openExtensionPage(path: string) {
      const page = await context.newPage()
      await page.goto(`chrome-extension://${extensionId}/${path.replace(/^\//, '')}`)
      return page
    },
    async close() {
      await browser.close().catch(() => undefined)
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((r) => proc.once('exit', () => r()))
        proc.kill('SIGTERM')
        const timer = setTimeout(() => proc.kill('SIGKILL'), 3000)
        await exited
        clearTimeout(timer)
      }
      // A temporary profile left behind is harmless; failing the caller over it is not.
      try {
        rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 })
      } catch {
        // leave it to the OS's temp cleaning
      }
    },
  }
}
