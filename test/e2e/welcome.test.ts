// The first-run page and the popup's budget bar, end to end in Chromium with the built extension. A
// fresh profile is a fresh install: the welcome page must open by itself, say what Trickle costs by
// default (read from the worker's settings) and lead to the two ways to start. Then, against the real
// sandbox network, the popup of a paying page shows spent + in flight + left adding up to the budget,
// and links to that site's history.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Overview } from '../../src/shared/messages.ts'
import { parseDecimal } from '../../src/shared/money.ts'
import { DEFAULT_SETTINGS } from '../../src/shared/settings.ts'
import { launchWithExtension, type ExtensionBrowser } from '../sandbox/browser.ts'
import { startStack, waitFor, type Stack } from './stack.ts'

const WELCOME = 'src/welcome/index.html'

describe('the first-run page', () => {
  let browser: ExtensionBrowser
  beforeAll(async () => { browser = await launchWithExtension() })
  afterAll(async () => { await browser?.close() })

  const welcomePage = (): Promise<Page> => waitFor('the welcome page to open on install', () =>
    browser.context.pages().find((p) => p.url().split('#')[0] === `chrome-extension://${browser.extensionId}/${WELCOME}`), 15_000)

  it('opens by itself on install and says what Trickle costs by default, the budget a hard limit', async () => {
    const page = await welcomePage()
    const cost = page.getByTestId('cost')
    await cost.waitFor({ timeout: 5000 }).catch(async (e: unknown) => { throw new Error(`${String(e)}; the page says: ${await page.locator('body').innerText()}`) })
    // No uplink yet, so no currency: plain numbers in the page's language (English here), from the defaults.
    const nf = new Intl.NumberFormat(await page.evaluate(() => document.documentElement.lang), { maximumFractionDigits: 20 })
    const rate = nf.format(DEFAULT_SETTINGS.ratePerHour as unknown as number)
    const budget = nf.format(DEFAULT_SETTINGS.budget.amount as unknown as number)
    expect(await cost.innerText()).toBe(`By default Trickle pays ${rate} an hour of reading, and at most ${budget} a month, in the currency of your account.`)
    expect(await page.locator('main').innerText()).toMatch(/The budget is a hard limit/)
    expect(await page.evaluate(() => document.documentElement.lang)).toMatch(/^en\b/)
    expect(await page.title()).toBe('Welcome to Trickle')
  })

  it('explains simulator mode in place: how to turn it on for a site from the popup', async () => {
    const page = await welcomePage()
    await page.getByRole('link', { name: 'How to use simulator mode' }).click()
    await waitFor('the link to reach the simulator section', () => (page.url().endsWith('#simulator') ? true : undefined))
    const section = page.locator('section#simulator')
    expect(await section.isVisible()).toBe(true)
    const text = await section.innerText()
    expect(text).toMatch(/no money moves/)
    expect(text).toMatch(/Choose “Simulate this site”/)
    expect(text).toMatch(/npm start/)
  })

  it('leads to the options page to set an uplink, saying what an uplink is', async () => {
    const page = await welcomePage()
    expect(await page.locator('main').innerText()).toMatch(/An uplink is your own Interledger account that Trickle pays from/)
    await page.getByRole('link', { name: 'Set your uplink in the settings' }).click()
    await page.waitForURL(`chrome-extension://${browser.extensionId}/src/options/index.html`)
    await page.getByLabel('Uplink URL').waitFor({ timeout: 5000 })
  })
})

describe('the popup on a paying page', () => {
  let stack: Stack
  beforeAll(async () => { stack = await startStack() })
  afterAll(async () => { await stack?.stop() })

  it('shows spent, in flight and left adding up to the budget, and links to this site\'s history', async () => {
    const name = 'popup-budget-bar'
    const url = stack.net.site.pageFor('link', name)
    const page = await stack.openWindow(url)
    await waitFor('payment', () => (stack.net.receiver.account(name).packets.length > 1 ? true : undefined))
    const popup = await stack.openPopup(page)
    const { asset } = await stack.ask<Overview>('get-overview', { tabId: null })
    if (asset === null) throw new Error('the uplink\'s asset should be known once paying')
    // What the legend shows, read back into units: the figures as the user sees them must add up.
    const shown = async (part: string): Promise<bigint> => {
      const text = await popup.locator(`[data-testid="budget-legend"] [data-part="${part}"]`).innerText()
      const units = parseDecimal(text.replace(/[$,\s]/g, ''), asset.scale)
      if (units === null) throw new Error(`cannot read "${text}" as an amount`)
      return units
    }
    const [spent, held, left, budget] = [await shown('spent'), await shown('held'), await shown('left'), await shown('budget')]
    expect(budget).toBe(parseDecimal(DEFAULT_SETTINGS.budget.amount, asset.scale))
    expect(spent + held + left).toBe(budget)
    expect(spent + held).toBeGreaterThan(0n)
    const bar = popup.getByRole('img', { name: /^Budget: / })
    const label = await bar.getAttribute('aria-label')
    for (const part of ['spent', 'held', 'left', 'budget']) {
      expect(label).toContain(await popup.locator(`[data-testid="budget-legend"] [data-part="${part}"]`).innerText())
    }
    // Every segment with money in it is drawn (left here certainly; spent or in flight, whichever is nonzero).
    expect(await bar.locator('[data-part="left"]').count()).toBe(1)
    expect(await bar.locator('[data-part="spent"], [data-part="held"]').count()).toBeGreaterThan(0)

    const origin = new URL(url).origin
    const base = `chrome-extension://${stack.browser.extensionId}/src/history/index.html`
    expect(await popup.getByRole('link', { name: 'This site\'s history' }).getAttribute('href')).toBe(`${base}?site=${encodeURIComponent(origin)}`)
    expect(await popup.getByRole('link', { name: 'History', exact: true }).getAttribute('href')).toBe(base)
    await popup.close()
    await page.close()
  })
})
