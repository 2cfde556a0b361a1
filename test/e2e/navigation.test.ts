// Pages that change without a load: same-document navigation, the back/forward cache, prerendering.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sleep, startStack, waitFor, type Stack } from './stack.ts'

let stack: Stack
beforeAll(async () => { stack = await startStack() })
afterAll(async () => { await stack?.stop() })

const paidAfter = (name: string, t: number): boolean => stack.net.receiver.account(name).packets.some((p) => p.at > t)

describe('navigation without a page load', () => {
  it('pushState keeps paying the same receiver; a new tag after it pays the new one', async () => {
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.pageFor('link', 'spa-first'))
    await waitFor('payment', () => (stack.net.receiver.account('spa-first').packets.length > 0 ? true : undefined))
    const t = Date.now()
    await page.evaluate(() => history.pushState({}, '', '/spa/next'))
    await waitFor('payment after pushState', () => (paidAfter('spa-first', t + 200) ? true : undefined))
    expect(stack.net.receiver.account('spa-first').spspQueries).toBe(1) // the same session went on
    const href = `${stack.net.receiver.spspBase}/spa-second`
    await page.evaluate((h) => {
      history.pushState({}, '', '/spa/other')
      document.querySelector('link[rel="monetization"]')?.setAttribute('href', h)
    }, href)
    await waitFor('the new receiver', () => (stack.net.receiver.account('spa-second').total > 0n ? true : undefined))
    await sleep(1200)
    const old = stack.net.receiver.account('spa-first').total
    await sleep(2000)
    expect(stack.net.receiver.account('spa-first').total).toBe(old)
    await page.close()
  })

  it('a page restored from the back/forward cache pays again; while cached it pays nothing', async () => {
    const name = 'bfcache'
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.cacheablePage(name))
    await waitFor('payment', () => (stack.net.receiver.account(name).packets.length > 0 ? true : undefined))
    await page.click('#away')
    await page.waitForURL(/\/plain$/)
    await sleep(1200)
    const whileAway = stack.net.receiver.account(name).total
    await sleep(2000)
    expect(stack.net.receiver.account(name).total).toBe(whileAway)
    const t = Date.now()
    // A restore from the back/forward cache fires pageshow (persisted), not load.
    await page.goBack({ waitUntil: 'commit' })
    const shows = await waitFor('the pageshow of the restore', async () => {
      const s = await page.evaluate(() => (window as unknown as { __shows?: string[] }).__shows).catch(() => undefined)
      return s !== undefined && s.length >= 2 ? s : undefined
    })
    expect(shows).toEqual(['loaded', 'restored'])
    await waitFor('payment after the restore', () => (paidAfter(name, t) ? true : undefined), 8000)
    await page.close()
  })
  // Prerendering is unit-tested (test/unit/page-reporter.test.ts): Chromium refuses to prerender while
  // DevTools is attached (PrerenderingDisabledByDevTools), and these tests drive it over DevTools.
})
