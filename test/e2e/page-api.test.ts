// The Web Monetization API as a site sees it, checked against what the receiver actually got.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sleep, startStack, waitFor, type Stack } from './stack.ts'

interface Logged {
  type: string
  state?: string
  detail?: { paymentPointer: string; requestId: string; amount?: string; assetCode?: string; assetScale?: number; finalized?: boolean }
  isMonetizationEvent?: boolean
  bubbles?: boolean
  targetIsLink?: boolean
  amountSent?: { value: string; currency: string }
  paymentPointer?: string
  incomingPayment?: string | null
  amount?: string | null
  assetCode?: string | null
  assetScale?: number | null
}

let stack: Stack
beforeAll(async () => { stack = await startStack() })
afterAll(async () => { await stack?.stop() })

const events = (page: Page): Promise<Logged[]> => page.evaluate(() => (window as unknown as { __wmEvents: Logged[] }).__wmEvents)
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('the page API', () => {
  it('fires every event in order, with fields that match what the receiver got', async () => {
    const name = 'logger-link'
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.loggerPage('link', name))
    await waitFor('three payments', () => (stack.net.receiver.account(name).packets.length >= 3 ? true : undefined))
    await sleep(300)
    const log = await events(page)
    const types = log.map((e) => e.type)
    expect(await page.evaluate(() => (window as unknown as { __supports: boolean }).__supports)).toBe(true)

    // Order: pending, load (the SPSP answer was valid), start, then progress + monetization per packet.
    expect(types.slice(0, 3)).toEqual(['monetizationpending', 'link-load', 'monetizationstart'])
    expect(log.find((e) => e.type === 'monetizationstart')?.state).toBe('started')
    expect(log.find((e) => e.type === 'monetizationpending')?.state).toBe('pending')
    const requestIds = new Set(log.flatMap((e) => (e.detail === undefined ? [] : [e.detail.requestId])))
    expect(requestIds.size).toBe(1)
    expect([...requestIds][0]).toMatch(UUID)

    const progress = log.filter((e) => e.type === 'monetizationprogress')
    const monetization = log.filter((e) => e.type === 'monetization')
    const account = stack.net.receiver.account(name)
    expect(progress.length).toBe(account.packets.length)
    expect(monetization.length).toBe(account.packets.length)
    // Every packet the receiver got was announced, with the receiver's own amount and asset.
    expect(progress.map((e) => BigInt(e.detail?.amount ?? '-1'))).toEqual(account.packets.map((p) => p.amount))
    expect(monetization.map((e) => BigInt(e.amount ?? '-1'))).toEqual(account.packets.map((p) => p.amount))
    for (const e of progress) expect(e.detail).toMatchObject({ assetCode: 'USD', assetScale: 6, paymentPointer: stack.net.receiver.spspBase + '/' + name })
    monetization.forEach((e, i) => {
      expect(e).toMatchObject({
        isMonetizationEvent: true, bubbles: true, targetIsLink: true, incomingPayment: null,
        paymentPointer: `${stack.net.receiver.spspBase}/${name}`, assetCode: 'USD', assetScale: 6,
      })
      // amountSent is what left the user's account (USD, scale 9); `amount` what arrived (scale 6).
      expect(e.amountSent?.currency).toBe('USD')
      const sentUnits = BigInt(((e.amountSent?.value ?? '') + '000000000').replace('.', '').slice(0, 10))
      const dust = sentUnits - BigInt(e.amount ?? '0') * 1000n
      // The first packet leaves before the receiver's unit is known (under one unit of dust at most);
      // from then on Trickle sends whole receiver units only.
      if (i === 0) expect(dust >= 0n && dust < 1000n).toBe(true)
      else expect(dust).toBe(0n)
    })
    expect(await page.evaluate(() => (window as unknown as { __onmonetizationCalls: number }).__onmonetizationCalls)).toBe(monetization.length)
    // The content attribute on the link works too.
    expect(await page.evaluate(() => (window as unknown as { __attributeCalls?: number }).__attributeCalls)).toBe(monetization.length)
    await page.close()
  })

  it('stops (not finalized) when hidden, and stops for good when the tag is removed', async () => {
    const name = 'logger-stop'
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.loggerPage('meta', name))
    await waitFor('a payment', () => (stack.net.receiver.account(name).packets.length >= 1 ? true : undefined))
    const other = await stack.browser.context.newPage()
    await other.bringToFront()
    await waitFor('a stop', async () => ((await events(page)).some((e) => e.type === 'monetizationstop') ? true : undefined))
    await page.bringToFront()
    await other.close()
    await waitFor('payment again', async () => ((await events(page)).filter((e) => e.type === 'monetizationstart').length >= 2 ? true : undefined))
    await page.evaluate(() => document.querySelector('meta[name="monetization"]')?.remove())
    await waitFor('the final stop', async () => ((await events(page)).filter((e) => e.type === 'monetizationstop').length >= 2 ? true : undefined))
    const log = await events(page)
    const stops = log.filter((e) => e.type === 'monetizationstop')
    expect(stops.map((e) => e.detail?.finalized)).toEqual([false, true])
    expect(stops.map((e) => e.state)).toEqual(['stopped', 'stopped'])
    // Between the pause and the resume: pending again, same requestId (a pause is not a new tag).
    expect(log.filter((e) => e.type === 'monetizationpending').length).toBe(2)
    expect(new Set(log.map((e) => e.detail?.requestId)).size).toBe(1)
    await page.close()
  })

  it('a link whose receiver is invalid gets an error event and no money', async () => {
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.loggerPage('link', 'bad-link', 'https://wallet.example:99999/x y'))
    await waitFor('the error event', async () => ((await events(page)).some((e) => e.type === 'link-error') ? true : undefined))
    expect((await events(page)).some((e) => e.type === 'monetization')).toBe(false)
    await page.close()
  })

  it('works on a page whose CSP forbids every script', async () => {
    const name = 'strict-csp'
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.strictCspPage(name))
    await waitFor('a payment', () => (stack.net.receiver.account(name).packets.length >= 1 ? true : undefined))
    await sleep(200)
    // page.evaluate runs in the page's main world (DevTools is not bound by the page's CSP).
    expect(await page.evaluate(() => (document as Document & { monetization?: { state: string } }).monetization?.state)).toBe('started')
    expect(await page.evaluate(() => typeof (window as unknown as { MonetizationEvent?: unknown }).MonetizationEvent)).toBe('function')
    await page.close()
  })

  it('monetization-src in a meta CSP: a receiver it allows is paid, one it does not is refused', async () => {
    const allowed = await stack.browser.context.newPage()
    await allowed.goto(stack.net.site.metaCspPage('csp-allowed', stack.net.receiver.spspBase))
    await waitFor('payment', () => (stack.net.receiver.account('csp-allowed').total > 0n ? true : undefined))
    await allowed.close()

    const refused = await stack.browser.context.newPage()
    await refused.goto(stack.net.site.metaCspPage('csp-refused', 'https://wallet.example'))
    await sleep(1500)
    expect(stack.net.receiver.account('csp-refused').spspQueries).toBe(0)
    expect(await stack.status(refused)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/monetization-src/) as unknown })
    await refused.close()
  })
})
