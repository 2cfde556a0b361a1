/**
 * Debian's Chromium with the built extension loaded, driven by playwright-core (never a downloaded
 * browser). Used by the sandbox, the end-to-end tests and the benchmarks.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright-core'

export const EXTENSION_DIR = resolve(import.meta.dirname, '../../dist')

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
  /** Opens one of the extension's own pages in a tab. */
  openExtensionPage(path: string): Promise<Page>
  close(): Promise<void>
}

export async function launchWithExtension(opts: { headless?: boolean; extensionDir?: string } = {}): Promise<ExtensionBrowser> {
  const dir = opts.extensionDir ?? EXTENSION_DIR
  if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`No built extension in ${dir}: run \`npm run build\` first.`)
  const profile = mkdtempSync(join(tmpdir(), 'trickle-profile-'))
  const headless = opts.headless ?? true
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath(),
    // The headless flag is passed by hand: Playwright's own headless mode cannot load extensions.
    headless: false,
    args: [
      `--disable-extensions-except=${dir}`,
      `--load-extension=${dir}`,
      ...(headless ? ['--headless=new'] : []),
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-default-browser-check',
      // Keep background tabs' timers honest; visibility still changes as tabs switch.
      '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows',
    ],
    viewport: { width: 1000, height: 700 },
  })
  const worker = async (): Promise<Worker> => {
    const existing = context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://'))
    return existing ?? await context.waitForEvent('serviceworker', { timeout: 10_000 })
  }
  const first = await worker()
  const extensionId = new URL(first.url()).host

  return {
    context,
    extensionId,
    worker,
    async killWorker() {
      const page = context.pages()[0] ?? await context.newPage()
      const cdp = await context.newCDPSession(page)
      try {
        const { targetInfos } = await cdp.send('Target.getTargets') as { targetInfos: { targetId: string; type: string; url: string }[] }
        const target = targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${extensionId}/`))
        if (target === undefined) throw new Error('the extension has no running service worker')
        await cdp.send('Target.closeTarget', { targetId: target.targetId })
      } finally {
        await cdp.detach().catch(() => undefined)
      }
    },
    async openExtensionPage(path: string) {
      const page = await context.newPage()
      await page.goto(`chrome-extension://${extensionId}/${path.replace(/^\//, '')}`)
      return page
    },
    async close() {
      await context.close().catch(() => undefined)
      rmSync(profile, { recursive: true, force: true })
    },
  }
}
