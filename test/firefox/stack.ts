/**
 * The end-to-end stack for Firefox: the sandbox ILP network and Firefox ESR with the built add-on,
 * its uplink set through the options page by the page's labels, as a user would. `control` is the
 * options page, kept open to ask the background over Trickle's own message protocol.
 */
import type { Page } from 'puppeteer-core'
import type { TabStatus } from '../../src/shared/status.ts'
import { pageRegistry, waitFor, type CrossPage, type CrossStack } from '../cross/stack.ts'
import { startNetwork, type Network } from '../sandbox/network.ts'
import { EXTENSION_ORIGIN, launchFirefox, waitForLoad, type FirefoxWithExtension } from './browser.ts'

type Reply = { ok: boolean; value?: unknown; error?: string }
type Api = { runtime: { sendMessage(m: unknown): Promise<Reply> }; tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> } }

/** Fills the control labelled `label` (its <label>'s text, or aria-label) as typing would. */
async function fillByLabel(page: Page, label: string, value: string): Promise<void> {
  const found = await page.evaluate((l, v) => {
    const byLabel = [...document.querySelectorAll('label')].find((x) => x.textContent?.trim() === l || x.firstChild?.textContent?.trim() === l)?.control
    const input = byLabel ?? document.querySelector(`[aria-label="${l}"]`)
    if (!(input instanceof HTMLInputElement || input instanceof HTMLSelectElement)) return false
    input.focus()
    // The value setter of the element's own prototype, so the framework sees a user's edit.
    const descriptor = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(input) as object, 'value')
    descriptor?.set?.call(input, v)
    input.dispatchEvent(new Event('input', { bubbles: true }))
    input.dispatchEvent(new Event('change', { bubbles: true }))
    return true
  }, label, value)
  if (!found) throw new Error(`no field labelled "${label}"`)
}

async function clickButton(page: Page, name: string): Promise<void> {
  const clicked = await page.evaluate((n) => {
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === n)
    button?.click()
    return button !== undefined
  }, name)
  if (!clicked) throw new Error(`no button "${name}"`)
}

/** Waits until the element labelled `label` (aria-label, or role status) shows `text`. */
async function waitForText(page: Page, selector: string, text: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const shown = await page.evaluate((s) => [...document.querySelectorAll(s)].map((e) => e.textContent ?? '').join('\n'), selector).catch(() => '')
    if (shown.includes(text)) return
    if (Date.now() > deadline) throw new Error(`"${selector}" did not show "${text}" (it shows "${shown}")`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export interface FirefoxStack extends CrossStack {
  /** The uplink's sockets as the proxy or front before the connector counts them: a stopped background closes its own. */
  uplinkSockets(): { accepted: number; open: number }
  firefox: FirefoxWithExtension
  control: Page
}

/** An uplink in front of the sandbox's wallet account other than the fault proxy (a TLS front, say). */
export interface UplinkFront { url: string; readonly accepted: number; readonly open: number; stop(): Promise<void> }

/**
 * `idleTimeoutMs`: Firefox's event-page idle timeout (its default, 30 s, when absent). `uplink`: the
 * uplink to configure instead of the fault proxy's `btp+ws://` one; `acceptInsecureCerts` for a
 * test certificate; `noProxy`: the wallet account directly, as the benchmark measures Chromium.
 */
export async function startFirefoxStack(opts: { idleTimeoutMs?: number; uplink?: (net: Network) => Promise<UplinkFront>; acceptInsecureCerts?: boolean; noProxy?: boolean } = {}): Promise<FirefoxStack> {
  const net = await startNetwork({ uplinkProxy: opts.uplink === undefined && opts.noProxy !== true })
  const front = opts.uplink === undefined ? null : await opts.uplink(net)
  const firefox = await launchFirefox({
    ...(opts.idleTimeoutMs === undefined ? {} : { idleTimeoutMs: opts.idleTimeoutMs }),
    ...(opts.acceptInsecureCerts === true ? { acceptInsecureCerts: true } : {}),
  })
  const control = await firefox.openExtensionPage('src/options/index.html')
  const { wrap, pageOf } = pageRegistry<Page>((page, fn) => page.evaluate(fn))

  const configure = async ({ uplinkUrl, ratePerHour, budget }: { uplinkUrl?: string; ratePerHour?: string; budget?: string }): Promise<void> => {
    await control.bringToFront()
    if (uplinkUrl !== undefined) await fillByLabel(control, 'Uplink URL', uplinkUrl)
    if (ratePerHour !== undefined) await fillByLabel(control, 'Rate per hour', ratePerHour)
    if (budget !== undefined) await fillByLabel(control, 'Budget per period', budget)
    await clickButton(control, 'Save')
    await waitForText(control, '[role="status"]', 'Saved.', 5000)
  }
  await configure({ uplinkUrl: front?.url ?? net.uplinkUrl })
  await waitForText(control, '[aria-label="Uplink status"]', 'Connected')

  const ask = async <T,>(type: string, input: unknown): Promise<T> => {
    const reply = await control.evaluate(async (t, i) =>
      (globalThis as unknown as { browser: Api }).browser.runtime.sendMessage({ to: 'trickle-worker', type: t, input: i }), type, input)
    if (!reply.ok) throw new Error(reply.error)
    return reply.value as T
  }

  const tabId = async (p: CrossPage): Promise<number> => {
    const url = pageOf(p).url()
    // Firefox's match patterns take no port, so tabs are found by comparing URLs here.
    const id = await control.evaluate(async (u) => {
      const tabs = await (globalThis as unknown as { browser: Api }).browser.tabs.query({})
      return tabs.find((t) => t.url === u)?.id ?? -1
    }, url)
    if (id < 0) throw new Error(`no tab found for ${url}`)
    return id
  }

  /** The popup for the tab of `p`, in a window of its own like the real one (a tab would hide the page). */
  const openPopup = async (p: CrossPage): Promise<Page> => {
    const id = await tabId(p)
    const url = `${EXTENSION_ORIGIN}/src/popup/index.html?tab=${id}`
    const before = new Set(await firefox.browser.pages())
    await control.evaluate(async () => {
      await (globalThis as unknown as { browser: { windows: { create(o: object): Promise<unknown> } } }).browser.windows.create({ url: 'about:blank', type: 'popup', focused: false, width: 360, height: 560 })
    })
    const popup = await waitFor('the popup window', async () => (await firefox.browser.pages()).find((x) => !before.has(x)))
    // Firefox focuses a new window whatever `focused` says; the real popup is a panel that leaves
    // the page's window focused. So the window opens blank, focus goes back to the page's window,
    // and only then is the popup loaded (it would not see a focus change after it opened).
    await control.evaluate(async (tab) => {
      const b = (globalThis as unknown as { browser: { tabs: { get(id: number): Promise<{ windowId?: number }> }; windows: { update(id: number, o: object): Promise<unknown> } } }).browser
      const { windowId } = await b.tabs.get(tab)
      if (windowId !== undefined) await b.windows.update(windowId, { focused: true })
    }, id)
    await new Promise((r) => setTimeout(r, 300))
    void popup.goto(url).catch(() => undefined)
    await waitForLoad(popup)
    await waitForText(popup, 'section.status', '', 5000)
    await new Promise((r) => setTimeout(r, 300))
    return popup
  }

  let spare: Page | null = null
  const stack: FirefoxStack = {
    browserName: 'firefox',
    net,
    uplinkSockets() {
      if (front !== null) return { accepted: front.accepted, open: front.open }
      const proxy = net.proxy
      if (proxy === null) throw new Error('no uplink proxy')
      return { accepted: proxy.stats.accepted, open: proxy.stats.open }
    },
    firefox,
    control,
    async open(url) {
      const page = await firefox.browser.newPage()
      await page.goto(url)
      await page.bringToFront()
      return wrap(page)
    },
    async hide(p) {
      pageOf(p)
      spare ??= await firefox.browser.newPage()
      await spare.bringToFront()
    },
    async show(p) { await pageOf(p).bringToFront() },
    async status(p) {
      return ask<TabStatus>('get-tab-status', { tabId: await tabId(p) })
    },
    ask,
    configure,
    extensionStorage: () => control.evaluate(async () => {
      const b = (globalThis as unknown as { browser: { storage: Record<'local' | 'session', { get(k: null): Promise<Record<string, unknown>> }> } }).browser
      return { local: await b.storage.local.get(null), session: await b.storage.session.get(null) }
    }),
    async plantInStorageLocal(items) {
      await control.evaluate(async (i) => {
        await (globalThis as unknown as { browser: { storage: { local: { set(o: object): Promise<void> } } } }).browser.storage.local.set(i)
      }, items)
    },
    async popupText(p) {
      const popup = await openPopup(p)
      const text = await popup.evaluate(() => document.querySelector('main')?.innerText ?? '')
      await popup.close()
      await pageOf(p).bringToFront()
      return text
    },
    async popupPress(p, button) {
      const popup = await openPopup(p)
      await clickButton(popup, button)
      await new Promise((r) => setTimeout(r, 300))
      await popup.close()
      await pageOf(p).bringToFront()
    },
    async stopBackground(p) {
      // Firefox stops an event page that gets no extension events for its idle timeout; a hidden page
      // is paid nothing, so nothing wakes it. The stack must run with a short timeout for this.
      if (opts.idleTimeoutMs === undefined) throw new Error('stopBackground needs a stack started with idleTimeoutMs')
      const openBefore = stack.uplinkSockets().open
      await stack.hide(p)
      const deadline = Date.now() + opts.idleTimeoutMs + 15_000
      // The stopped background's uplink sockets close with it.
      while (stack.uplinkSockets().open >= openBefore && openBefore > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
      if (stack.uplinkSockets().open >= openBefore && openBefore > 0) throw new Error('Firefox did not stop the background')
      console.log(`firefox: the event page was stopped ${Date.now() - deadline + opts.idleTimeoutMs + 15_000} ms after its page was hidden (idle timeout ${opts.idleTimeoutMs} ms)`)
      await stack.show(p)
    },
    async stop() {
      await firefox.close()
      await front?.stop()
      await net.stop()
    },
  }
  return stack
}
