/**
 * The scenarios that run in both browsers, from this one description: test/e2e/cross.test.ts runs
 * them in Chromium, test/firefox/cross.test.ts in Firefox. Every amount is read from the sandbox
 * receiver's own records, never from the extension.
 */
import { describe, expect, it } from 'vitest'
import type { Overview } from '../../src/shared/messages.ts'
import { toDecimalString } from '../../src/shared/money.ts'
import type { Packet } from '../sandbox/receiver.ts'
import { sleep, waitFor, type CrossPage, type CrossStack } from './stack.ts'

// The sandbox converts USD scale 9 → USD scale 6 one-to-one: the default 0.36 USD/hour is 100,000
// units/s sent and 100 units/s received.
const RECEIVED_PER_SECOND = 100
const UNIT = 1000n // uplink units (scale 9) per receiver unit (scale 6)

/** Money per second over packets after the first (each pays for the time since the one before). */
function rate(packets: readonly Packet[]): { perSecond: number; spanMs: number } {
  const first = packets[0]
  const last = packets.at(-1)
  if (first === undefined || last === undefined || packets.length < 2) return { perSecond: 0, spanMs: 0 }
  const sum = packets.slice(1).reduce((s, p) => s + p.amount, 0n)
  const spanMs = last.at - first.at
  return { perSecond: (Number(sum) * 1000) / spanMs, spanMs }
}

/** The longest time between two packets (ms). */
function longestGap(packets: readonly Packet[]): number {
  let gap = 0
  for (let i = 1; i < packets.length; i++) gap = Math.max(gap, (packets[i]?.at ?? 0) - (packets[i - 1]?.at ?? 0))
  return gap
}

/** When the tab's visit took its first step: a visit restored by a new background has a later one. */
async function firstStep(stack: CrossStack, page: CrossPage): Promise<number | undefined> {
  const s = await stack.status(page)
  return s.kind === 'monetized' ? s.timeline[0]?.at : undefined
}

/** Waits until a receiver's total has not moved for `quietMs`, and returns it. */
async function settled(stack: CrossStack, name: string, quietMs = 2500, timeout = 20_000): Promise<bigint> {
  const account = stack.net.receiver.account(name)
  let last = account.total
  let since = Date.now()
  return waitFor(`${name} to stop growing`, () => {
    if (account.total !== last) {
      last = account.total
      since = Date.now()
    }
    return Date.now() - since >= quietMs ? last : undefined
  }, timeout)
}

/**
 * Declares the scenarios. `stack()` is the browser under test, started by the file's beforeAll;
 * `long` adds the payment of more than two minutes.
 */
export function crossScenarios(stack: () => CrossStack, opts: { long?: boolean; onlyLong?: boolean } = {}): void {
  const paying = async (kind: 'meta' | 'link', name: string): Promise<CrossPage> => {
    const page = await stack().open(stack().net.site.pageFor(kind, name))
    await waitFor(`first payment to ${name}`, () => (stack().net.receiver.account(name).packets.length > 0 ? true : undefined), 15_000)
    return page
  }

  if (opts.onlyLong !== true) shortScenarios(stack, paying)
  if (opts.long === true || opts.onlyLong === true) longScenario(stack, paying)
}

function shortScenarios(stack: () => CrossStack, paying: (kind: 'meta' | 'link', name: string) => Promise<CrossPage>): void {
  describe('paying', () => {
    it.each([['meta', 'x-meta-rate'], ['link', 'x-link-rate']] as const)('pays a <%s> page at the rate (±5 %% over more than 5 s), a packet a second at most', async (kind, name) => {
      const page = await paying(kind, name)
      await sleep(6500)
      const packets = stack().net.receiver.account(name).packets
      const { perSecond, spanMs } = rate(packets)
      expect(spanMs).toBeGreaterThanOrEqual(5000)
      expect(perSecond).toBeGreaterThan(RECEIVED_PER_SECOND * 0.95)
      expect(perSecond).toBeLessThan(RECEIVED_PER_SECOND * 1.05)
      for (let i = 1; i < packets.length; i++) expect((packets[i]?.at ?? 0) - (packets[i - 1]?.at ?? 0)).toBeGreaterThan(900)
      expect(await stack().status(page)).toMatchObject({ kind: 'monetized', phase: 'paying' })
      await page.close()
    })

    it('pauses while the tab is hidden and goes on when it is shown; a closed tab is paid no more', async () => {
      const name = 'x-hidden'
      const page = await paying('link', name)
      await sleep(1500)
      await stack().hide(page)
      await sleep(500) // a packet already on its way may still arrive
      const hiddenAt = stack().net.receiver.account(name).packets.length
      await sleep(4000)
      expect(stack().net.receiver.account(name).packets.length).toBe(hiddenAt)
      expect(await stack().status(page)).toMatchObject({ kind: 'monetized', phase: 'paused' })
      await stack().show(page)
      await waitFor('payment after showing the tab', () => (stack().net.receiver.account(name).packets.length > hiddenAt ? true : undefined), 5000)
      await page.close()
      await sleep(500)
      const closedAt = stack().net.receiver.account(name).packets.length
      await sleep(3000)
      expect(stack().net.receiver.account(name).packets.length).toBe(closedAt)
    })

    it('the popup says the tab is paying, to whom, and what was sent', async () => {
      const page = await paying('link', 'x-popup')
      await sleep(1500)
      const text = await stack().popupText(page)
      expect(text).toContain('Paying')
      expect(text).toContain(new URL(stack().net.receiver.spspBase).host)
      expect(text).toMatch(/Sent this visit\s*\$0\.\d+/)
      await page.close()
    })

    it('the popup\'s buttons pause this site and resume it', async () => {
      const name = 'x-popup-pause'
      const page = await paying('link', name)
      const account = stack().net.receiver.account(name)
      await stack().popupPress(page, 'Pause this site')
      await sleep(500) // a packet already on its way may still arrive
      const pausedAt = account.packets.length
      await sleep(3000)
      expect(account.packets.length).toBe(pausedAt)
      expect(await stack().status(page)).toMatchObject({ kind: 'monetized', phase: 'paused', reason: 'You paused this site.' })
      await stack().popupPress(page, 'Resume this site')
      await waitFor('payment after resuming the site', () => (account.packets.length > pausedAt ? true : undefined), 5000)
      await page.close()
    })
  })

  describe('the page API', () => {
    it('fires pending, load, start, then progress and monetization per packet, with the receiver\'s amounts', async () => {
      const name = 'x-logger'
      const page = await stack().open(stack().net.site.loggerPage('link', name))
      const account = stack().net.receiver.account(name)
      await waitFor('three payments', () => (account.packets.length >= 3 ? true : undefined), 15_000)
      await sleep(300)
      const log = await page.evaluate(() => (window as unknown as { __wmEvents: { type: string; detail?: { amount?: string }; amount?: string | null }[] }).__wmEvents)
      expect(log.map((e) => e.type).slice(0, 3)).toEqual(['monetizationpending', 'link-load', 'monetizationstart'])
      const progress = log.filter((e) => e.type === 'monetizationprogress').map((e) => BigInt(e.detail?.amount ?? '-1'))
      const monetization = log.filter((e) => e.type === 'monetization').map((e) => BigInt(e.amount ?? '-1'))
      const received = account.packets.map((p) => p.amount)
      expect(progress).toEqual(received.slice(0, progress.length))
      expect(monetization).toEqual(received.slice(0, monetization.length))
      expect(received.length - monetization.length).toBeLessThanOrEqual(1) // one may be on its way to the page
      await page.close()
    })
  })

  describe('the budget', () => {
    it('stops payment exactly at it, and the popup says so', async () => {
      const name = 'x-budget'
      // Visits of earlier tests still settling give back what they held but never sent: counted now,
      // that would leave this budget more room than five seconds. Wait until nothing is held.
      const o = await waitFor('earlier visits to settle', async () => {
        const v = await stack().ask<Overview>('get-overview', { tabId: null })
        return (v.budget.held?.value ?? '0') === '0' ? v : undefined
      }, 45_000)
      const used = BigInt(o.budget.spent?.value ?? '0')
      await stack().configure({ budget: toDecimalString(used + 500n * UNIT, 9) }) // five seconds' worth
      try {
        const page = await stack().open(stack().net.site.pageFor('link', name))
        const total = await settled(stack(), name)
        const after = await stack().ask<Overview>('get-overview', { tabId: null })
        expect(after.budget.spent?.value).toBe(after.budget.amount?.value)
        expect(after.budget.remaining?.value).toBe('0')
        // The first packet, sent before the receiver's unit is known, may lose its dust to rounding.
        expect(total).toBeLessThanOrEqual(500n)
        expect(total).toBeGreaterThanOrEqual(499n)
        expect(await stack().popupText(page)).toMatch(/Stopped at your limit/)
        await page.close()
      } finally {
        await stack().configure({ budget: '5' })
      }
    })
  })

  describe('the background stopped mid-stream', () => {
    it('resumes the page\'s payment, and no second is paid twice', async () => {
      const name = 'x-restart'
      const page = await paying('link', name)
      const account = stack().net.receiver.account(name)
      const startedAt = account.packets[0]?.at ?? Date.now()
      await sleep(2000)
      const startedBefore = await firstStep(stack(), page)
      let hiddenMs = 0
      const before = Date.now()
      await stack().stopBackground(page)
      // Firefox's way hides the page for a while: that time is not paid, and is taken off below.
      if (stack().browserName === 'firefox') hiddenMs = Date.now() - before
      const stoppedAt = account.packets.length
      await waitFor('payment after the background came back', () => (account.packets.length > stoppedAt ? true : undefined), 15_000)
      // The restored visit is a new object with a timeline of its own (what the long visit's check relies on).
      expect(await firstStep(stack(), page)).not.toBe(startedBefore)
      await sleep(3000)
      await page.close()
      const total = await settled(stack(), name)
      const paidMs = Date.now() - startedAt - hiddenMs
      // Rate × the time the page was looked at, plus the leading second and one packet: nothing twice.
      expect(Number(total)).toBeLessThanOrEqual(((paidMs + 2000) * RECEIVED_PER_SECOND) / 1000)
      expect(Number(total)).toBeGreaterThan(((paidMs - 6000) * RECEIVED_PER_SECOND) / 1000)
    })
  })

  describe('the trust boundary', () => {
    it('nothing a content script can read holds the uplink\'s secret', async () => {
      // Content scripts can read storage.local in Firefox (Chromium's are refused it), and
      // storage.session in neither: Trickle keeps its settings, the uplink's token among them, in its
      // own IndexedDB, which a content script (of the page's origin) cannot open.
      const page = await paying('link', 'x-trust')
      const { local, session } = await stack().extensionStorage()
      expect(JSON.stringify(local)).not.toContain('sandbox-wallet-token')
      expect(JSON.stringify(session)).not.toContain('sandbox-wallet-token')
      expect(JSON.stringify(await stack().ask('get-settings', null))).not.toContain('sandbox-wallet-token')
      // The page's own world cannot see Trickle's state either.
      expect(await page.evaluate(() => JSON.stringify(Object.keys(localStorage)) + document.cookie)).not.toMatch(/trickle|token/i)
      await page.close()
    })

    it('settings planted in storage.local (where earlier versions kept them) change nothing, even after a restart', async () => {
      const page = await paying('link', 'x-plant')
      const before = await stack().ask<{ ratePerHour: string; uplinkState: { host?: string } }>('get-settings', null)
      await stack().plantInStorageLocal({ settings: { version: 2, uplinkUrl: 'btp+ws://:attacker@127.0.0.1:9', ratePerHour: '360', budget: { amount: '1000000', period: 'monthly', renewDay: 1 }, paused: false, idleMinutes: 10, sites: {} } })
      await stack().stopBackground(page)
      const paidBefore = stack().net.receiver.account('x-plant').packets.length
      await waitFor('payment after the restart', () => (stack().net.receiver.account('x-plant').packets.length > paidBefore ? true : undefined), 15_000)
      const after = await stack().ask<{ ratePerHour: string; uplinkState: { host?: string } }>('get-settings', null)
      expect(after.ratePerHour).toBe(before.ratePerHour)
      expect(after.uplinkState.host).toBe(before.uplinkState.host)
      await page.close()
      await stack().plantInStorageLocal({ settings: null })
    })
  })

}

function longScenario(stack: () => CrossStack, paying: (kind: 'meta' | 'link', name: string) => Promise<CrossPage>): void {
  describe('a long visit', () => {
    it('pays for more than two minutes without a stall, the background never stopped', { timeout: 200_000 }, async () => {
      const name = 'x-long'
      const page = await paying('link', name)
      // A background that was stopped and started again restores the visit as a new object, whose
      // timeline starts again: the same first step at the end means the same visit, never restarted.
      const started = (): Promise<number | undefined> => firstStep(stack(), page)
      const startedAt = await started()
      expect(startedAt).toBeDefined()
      await sleep(125_000)
      const packets = stack().net.receiver.account(name).packets
      const { perSecond, spanMs } = rate(packets)
      expect(spanMs).toBeGreaterThanOrEqual(120_000)
      expect(longestGap(packets)).toBeLessThan(1600)
      expect(perSecond).toBeGreaterThan(RECEIVED_PER_SECOND * 0.99)
      expect(perSecond).toBeLessThan(RECEIVED_PER_SECOND * 1.01)
      expect(await started()).toBe(startedAt)
      console.log(`${stack().browserName}: ${packets.length} packets over ${(spanMs / 1000).toFixed(1)} s, ${perSecond.toFixed(2)} units/s, longest gap ${longestGap(packets)} ms`)
      await page.close()
    })
  })
}
