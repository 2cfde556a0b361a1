/**
 * Chromium's side of the cross-browser contract (test/cross/stack.ts), over the Chromium stack: used
 * by the scenarios both browsers run and by the benchmark.
 */
import type { Page } from 'playwright-core'
import { pageRegistry, type CrossStack } from '../cross/stack.ts'
import type { Stack } from './stack.ts'

export function chromiumCross(stack: Stack): CrossStack {
  const { wrap, pageOf } = pageRegistry<Page>((page, fn) => page.evaluate(fn))
  let spare: Page | null = null
  return {
    browserName: 'chromium',
    net: stack.net,
    async open(url) {
      const page = await stack.browser.context.newPage()
      await page.goto(url)
      await page.bringToFront()
      return wrap(page)
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
    async popupPress(p, button) {
      const popup = await stack.openPopup(pageOf(p))
      await popup.getByRole('button', { name: button }).click()
      await popup.waitForTimeout(300)
      await popup.close()
    },
    async stopBackground() { await stack.browser.killWorker() },
    stop: () => stack.stop(),
  }
}
