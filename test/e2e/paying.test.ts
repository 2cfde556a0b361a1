// It pays: a real Chromium with the built extension, paying the sandbox's real ILP network. Every
// amount is read from the receiver's own records, never from the extension.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_RECEIVERS_PER_PAGE } from '../../src/background/pages/tag-choice.ts'
import { measuredRate, sleep, startStack, waitFor, type Stack } from './stack.ts'

// The sandbox converts USD scale 9 → USD scale 6 one-to-one: the default 0.36 USD/hour is
// 100,000 units/s sent and 100 units/s received.
const RECEIVED_PER_SECOND_AT_DEFAULT = 100

let stack: Stack
beforeAll(async () => { stack = await startStack() })
afterAll(async () => { await stack?.stop() })

async function openPaying(kind: 'meta' | 'link', name: string): Promise<Page> {
  const page = await stack.browser.context.newPage()
  await page.goto(stack.net.site.pageFor(kind, name))
  await waitFor(`first payment to ${name}`, () => (stack.net.receiver.account(name).packets.length > 0 ? true : undefined))
  return page
}

describe('a monetized page gets paid every second at the configured rate', () => {
  it('pays a <meta> page at the default rate (±5 % over more than 5 s)', async () => {
    const page = await openPaying('meta', 'meta-rate')
    await sleep(6500)
    const { perSecond, spanMs } = measuredRate(stack.net.receiver.account('meta-rate').packets)
    expect(spanMs).toBeGreaterThanOrEqual(5000)
    expect(perSecond).toBeGreaterThan(RECEIVED_PER_SECOND_AT_DEFAULT * 0.95)
    expect(perSecond).toBeLessThan(RECEIVED_PER_SECOND_AT_DEFAULT * 1.05)
    // At most one packet per second per receiver.
    const packets = stack.net.receiver.account('meta-rate').packets
    for (let i = 1; i < packets.length; i++) expect((packets[i]?.at ?? 0) - (packets[i - 1]?.at ?? 0)).toBeGreaterThan(900)
    const status = await stack.status(page)
    expect(status).toMatchObject({ kind: 'monetized', phase: 'paying', receiverHost: new URL(stack.net.receiver.spspBase).host })
    await page.close()
  })

  it('pays a <link> page at a configured rate of 0.72/hour (±5 % over more than 5 s)', async () => {
    await stack.configure({ ratePerHour: '0.72' })
    try {
      const page = await openPaying('link', 'link-rate')
      await sleep(6500)
      const { perSecond, spanMs } = measuredRate(stack.net.receiver.account('link-rate').packets)
      expect(spanMs).toBeGreaterThanOrEqual(5000)
      expect(perSecond).toBeGreaterThan(2 * RECEIVED_PER_SECOND_AT_DEFAULT * 0.95)
      expect(perSecond).toBeLessThan(2 * RECEIVED_PER_SECOND_AT_DEFAULT * 1.05)
      const popup = await stack.popupText(page)
      expect(popup).toContain('Paying')
      expect(popup).toContain(new URL(stack.net.receiver.spspBase).host)
      expect(popup).toMatch(/Sent this visit\s*\$0\.\d+/)
      await page.close()
    } finally {
      await stack.configure({ ratePerHour: '0.36' })
    }
  })
})

describe('which tags are paid', () => {
  it('a page with both tags pays the link, not the meta', async () => {
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.pageWithHead('<meta name="monetization" content="{spsp}/both-meta"><link rel="monetization" href="{spsp}/both-link">'))
    await waitFor('the link to be paid', () => (stack.net.receiver.account('both-link').total > 0n ? true : undefined))
    await sleep(1500)
    expect(stack.net.receiver.account('both-meta').spspQueries).toBe(0)
    await page.close()
  })

  it('a disabled link is not paid; enabling it starts payment', async () => {
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.pageWithHead('<link rel="monetization" href="{spsp}/disabled-link" disabled>'))
    await sleep(1500)
    expect(stack.net.receiver.account('disabled-link').spspQueries).toBe(0)
    await page.evaluate(() => document.querySelector('link')?.removeAttribute('disabled'))
    await waitFor('payment once enabled', () => (stack.net.receiver.account('disabled-link').total > 0n ? true : undefined))
    await page.close()
  })

  it('a tag added after load is paid', async () => {
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.base + '/plain')
    await sleep(500)
    await page.evaluate((href) => {
      const link = document.createElement('link')
      link.rel = 'monetization'
      link.href = href
      document.body.append(link)
    }, `${stack.net.receiver.spspBase}/added-late`)
    await waitFor('payment of the late tag', () => (stack.net.receiver.account('added-late').total > 0n ? true : undefined))
    await page.close()
  })
})

describe('several receivers on one page share the tab\'s rate', () => {
  /** All packets to receivers `<prefix>-*`, merged in time order, as one stream. */
  const merged = (prefix: string, count: number) =>
    Array.from({ length: count }, (_, i) => stack.net.receiver.account(`${prefix}-${i}`).packets).flat().sort((a, b) => a.at - b.at)

  it.each([['two', 2, 2], ['two hundred', 200, MAX_RECEIVERS_PER_PAGE]])('%s links: the capped set is paid, at the rate of one', async (_n, count, paid) => {
    const prefix = `many-${count}`
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.manyLinksPage(prefix, count))
    await waitFor('every paid receiver', () => (
      Array.from({ length: paid }, (_, i) => stack.net.receiver.account(`${prefix}-${i}`).total > 0n).every(Boolean) ? true : undefined))
    await sleep(6500)
    for (let i = 0; i < count; i++) expect(stack.net.receiver.account(`${prefix}-${i}`).total > 0n).toBe(i < paid)
    // Rate over the merged stream, leaving out each receiver's first (leading) packet.
    const firsts = new Set(Array.from({ length: paid }, (_, i) => stack.net.receiver.account(`${prefix}-${i}`).packets[0]))
    const rest = merged(prefix, count).filter((p) => !firsts.has(p))
    const from = Math.min(...[...firsts].map((p) => p?.at ?? Infinity))
    const to = rest.at(-1)?.at ?? from
    const perSecond = (Number(rest.reduce((s, p) => s + p.amount, 0n)) * 1000) / (to - from)
    expect(to - from).toBeGreaterThanOrEqual(5000)
    expect(perSecond).toBeGreaterThan(RECEIVED_PER_SECOND_AT_DEFAULT * 0.95)
    expect(perSecond).toBeLessThan(RECEIVED_PER_SECOND_AT_DEFAULT * 1.05)
    expect(await stack.status(page)).toMatchObject({ kind: 'monetized', receivers: paid })
    await page.close()
  })
})

describe('payment follows what the user is looking at', () => {
  it('stops while the tab is hidden and resumes when it is shown', async () => {
    const page = await openPaying('meta', 'hidden-tab')
    await sleep(1500)
    const other = await stack.browser.context.newPage()
    await other.goto(stack.net.site.base + '/plain')
    await other.bringToFront()
    await waitFor('the first tab to be hidden', async () => ((await page.evaluate(() => document.visibilityState)) === 'hidden' ? true : undefined))
    await sleep(1200) // let a packet already in flight land
    const atHide = stack.net.receiver.account('hidden-tab').total
    await sleep(4000)
    expect(stack.net.receiver.account('hidden-tab').total).toBe(atHide)
    expect(await stack.status(page)).toMatchObject({ phase: 'paused' })

    await page.bringToFront()
    await waitFor('payment to resume', () => (stack.net.receiver.account('hidden-tab').total > atHide ? true : undefined), 5000)
    await other.close()
    await page.close()
  })

  it('stops when the tab is closed', async () => {
    const page = await openPaying('link', 'closed-tab')
    await sleep(2000)
    await page.close()
    await sleep(1200)
    const atClose = stack.net.receiver.account('closed-tab').total
    await sleep(3500)
    expect(stack.net.receiver.account('closed-tab').total).toBe(atClose)
    expect(atClose).toBeGreaterThan(0n)
  })

  it('stops when the page navigates away from its tag', async () => {
    const page = await openPaying('meta', 'navigated')
    await page.goto(stack.net.site.base + '/plain')
    await sleep(1200)
    const atLeave = stack.net.receiver.account('navigated').total
    await sleep(3000)
    expect(stack.net.receiver.account('navigated').total).toBe(atLeave)
    expect(await stack.popupText(page)).toContain('Not monetized')
    await page.close()
  })
})

describe('the page\'s tags are followed as they change', () => {
  it('stops when the tag is removed from the page', async () => {
    const page = await openPaying('link', 'removed-tag')
    await page.evaluate(() => document.querySelector('link[rel="monetization"]')?.remove())
    await sleep(1200)
    const atRemoval = stack.net.receiver.account('removed-tag').total
    await sleep(3000)
    expect(stack.net.receiver.account('removed-tag').total).toBe(atRemoval)
    expect(await stack.status(page)).toEqual({ kind: 'not-monetized' })
    await page.close()
  })

  it('pays the new receiver when the href changes, and stops paying the old one', async () => {
    const page = await openPaying('link', 'href-before')
    const after = `${stack.net.receiver.spspBase}/href-after`
    await page.evaluate((href) => document.querySelector('link[rel="monetization"]')?.setAttribute('href', href), after)
    await waitFor('the new receiver to be paid', () => (stack.net.receiver.account('href-after').total > 0n ? true : undefined))
    await sleep(1200)
    const before = stack.net.receiver.account('href-before').total
    await sleep(2500)
    expect(stack.net.receiver.account('href-before').total).toBe(before)
    expect(stack.net.receiver.account('href-after').packets.length).toBeGreaterThanOrEqual(3)
    await page.close()
  })
})

describe('nothing is paid where nothing should be, and the popup says why', () => {
  it('an unmonetized page', async () => {
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.base + '/plain')
    await sleep(1500)
    expect(await stack.status(page)).toEqual({ kind: 'not-monetized' })
    expect(await stack.popupText(page)).toContain('This page has no monetization tag')
    await page.close()
  })

  it('a malformed payment pointer is refused before any request', async () => {
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.pageWithMetaContent('$wallet.example:8080/alice'))
    await sleep(1500)
    expect(await stack.status(page)).toMatchObject({ kind: 'invalid', input: '$wallet.example:8080/alice' })
    const popup = await stack.popupText(page)
    expect(popup).toContain('payment pointer is invalid')
    expect(popup).toContain('cannot contain a port')
    await page.close()
  })

  it('a receiver that answers 404 is not retried, and the popup says so', async () => {
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.pageWithMetaContent(`${stack.net.receiver.spspBase}/gone/carol`))
    await waitFor('the refusal', async () => {
      const s = await stack.status(page)
      return s.kind === 'monetized' && s.phase === 'failed' ? s : undefined
    })
    await sleep(3000)
    expect(stack.net.receiver.account('carol').spspQueries).toBe(1)
    expect(await stack.popupText(page)).toContain('HTTP 404')
    await page.close()
  })
})
