/**
 * Chromium's side of the cross-browser contract (test/cross/stack.ts), over the Chromium stack: used
 * by the scenarios both browsers run and by the benchmark.
 */
import type { Page } from 'playwright-core'
import type { CrossPage, CrossStack } from '../cross/stack.ts'
import type { Stack } from './stack.ts'

export function chromiumCross(stack: Stack): CrossStack {
  const pages = new Map<CrossPage, Page>()
  const pageOf = (p: CrossPage): Page => {
    const page = pages.get(p)
    if (page === undefined) throw new Error('not a page of this stack')
    return page
  }
  let spare: Page | null = null
  return {
    browserName: 'chromium',
    net: stack.net,
    uplinkSockets() {
      const proxy = stack.net.proxy
      if (proxy === null) throw new Error('no uplink proxy')
      return { accepted: proxy.stats.accepted, open: proxy.stats.open }
    },
    async open(url) {
      const page = await stack.browser.context.newPage()
      await page.goto(url)
      await page.bringToFront()
      const wrapped: CrossPage = {
        goto: (u) => page.goto(u),
        reload: () => page.reload(),
        close: async () => { pages.delete(wrapped); await page.close() },
        bringToFront: () => page.bringToFront(),
        evaluate: (fn) => page.evaluate(fn),
      }
      pages.set(wrapped, page)
      return wrapped
    },
    async hide(p) {
      pageOf(p)
      spare ??= await stack.browser.context.newPage()
      await spare.bringToFront()
    },
    async show(p) { await pageOf(p).bringToFront() },
    status: (p) => stack.status(pageOf(p)),
    ask: (type, input) => stack.ask(type, input),
    configure: (opts) => stack.configure(opts),
    extensionStorage: () => stack.control.evaluate(async () => ({ local: await chrome.storage.local.get(null), session: await chrome.storage.session.get(null) })),
    async plantInStorageLocal(items) { await stack.control.evaluate(async (i) => { await chrome.storage.local.set(i) }, items) },
    popupText: (p) => stack.popupText(pageOf(p)),
    async stopBackground() { await stack.browser.killWorker() },
    stop: () => stack.stop(),
  }
}
