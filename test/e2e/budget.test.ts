// Budget and ledger, end to end in Chromium against the sandbox network: the receivers' own totals
// are the judge. A tiny budget stops payment exactly at it; raising it resumes; a never-pay site gets
// nothing; a site's cap holds while another site is paid; reloads do not overpay; and after the
// worker is killed with a packet in flight, the ledger still equals what the receiver got.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LedgerFile } from '../../src/shared/ledger-file.ts'
import type { Overview } from '../../src/shared/messages.ts'
import { toDecimalString } from '../../src/shared/money.ts'
import { settled, sleep, startStack, waitFor, type Stack } from './stack.ts'

const RECEIVED_PER_MS = 0.1 // 0.36 USD/hour at the receiver's USD scale 6
const UNIT = 1000n // USD scale 9 (the uplink) per USD scale 6 (the receiver)
let stack: Stack
let localhost: (path: string) => string
beforeAll(async () => {
  stack = await startStack()
  localhost = (path) => path.replace('http://127.0.0.1:', 'http://localhost:')
})
afterAll(async () => { await stack?.stop() })

const overview = (tabId: number | null = null) => stack.ask<Overview>('get-overview', { tabId })
/** What the budget already counts (spent + in flight), in uplink units. */
async function used(): Promise<bigint> {
  const o = await overview()
  return BigInt(o.budget.spent?.value ?? '0') + BigInt(o.budget.held?.value ?? '0')
}
const setBudget = (units: bigint) => stack.configure({ budget: toDecimalString(units, 9) })


async function setSite(site: string, rules: { cap?: string; never?: boolean }): Promise<void> {
  const { control } = stack
  await control.bringToFront()
  await control.locator('#site').fill(site)
  await control.getByLabel('Cap for this site, per period').fill(rules.cap ?? '')
  await control.getByLabel('Never pay this site').setChecked(rules.never ?? false)
  await control.getByRole('button', { name: 'Apply to site' }).click()
  const host = site.replace(/^https?:\/\//, '')
  await control.getByRole('row').filter({ hasText: host }).waitFor({ timeout: 5000 })
}

describe('a budget', () => {
  it('stops payment exactly at it, the popup says so, and raising it resumes', async () => {
    const name = 'tiny-budget'
    await setBudget((await used()) + 500n * UNIT) // five seconds' worth
    const page = await stack.openWindow(stack.net.site.pageFor('link', name))
    const total = await settled(stack, name)
    // What left the account is the budget to the unit; the receiver never got more. (It may get one
    // unit less: the first packet, sent before the receiver's unit is known, loses its sub-unit dust
    // to the connector's rounding.)
    const o = await overview()
    expect(o.budget.spent?.value).toBe(o.budget.amount?.value)
    expect(o.budget.remaining?.value).toBe('0')
    expect(total).toBeLessThanOrEqual(500n)
    expect(total).toBeGreaterThanOrEqual(499n)
    const text = await stack.popupText(page)
    expect(text).toMatch(/Stopped at your limit/)
    expect(text).toMatch(/Budget used up/)

    const before = stack.net.receiver.account(name).packets.length
    await setBudget((await used()) + 1_000_000n * UNIT)
    await waitFor('payment to resume', () => (stack.net.receiver.account(name).packets.length > before ? true : undefined), 5000)
    const resumedAt = Date.now()
    await sleep(3000)
    // At the rate, not a burst for the time spent at the limit: at most the 3 s plus a leading second.
    const gained = Number(stack.net.receiver.account(name).total - total)
    expect(gained).toBeLessThanOrEqual((Date.now() - resumedAt + 2000) * RECEIVED_PER_MS)
    expect(gained).toBeGreaterThanOrEqual(2000 * RECEIVED_PER_MS)
    await page.close()
  })
})

describe('per-site rules', () => {
  it('a never-pay site gets nothing, and is never even asked for its address', async () => {
    const name = 'never-paid'
    const url = localhost(stack.net.site.pageFor('link', name))
    await setSite(new URL(url).origin, { never: true })
    const page = await stack.openWindow(url)
    await sleep(3000)
    const account = stack.net.receiver.account(name)
    expect(account.total).toBe(0n)
    expect(account.spspQueries).toBe(0)
    expect(await stack.status(page)).toEqual({ kind: 'never' })
    expect(await stack.popupText(page)).toMatch(/Never paid/)
    await page.close()
  })

  it('the popup pauses a site and marks it never-pay, and both can be undone', async () => {
    const name = 'popup-controls'
    const page = await stack.openWindow(stack.net.site.pageFor('link', name))
    const account = stack.net.receiver.account(name)
    await waitFor('first payment', () => (account.total > 0n ? true : undefined))
    for (const [stop, undo] of [['Pause this site', 'Resume this site'], ['Never pay this site', 'Pay this site again']] as const) {
      const popup = await stack.openPopup(page)
      await popup.getByRole('button', { name: stop }).click()
      await popup.getByRole('button', { name: undo }).waitFor({ timeout: 5000 })
      const stopped = await settled(stack, name, 2000)
      await sleep(1500)
      expect(account.total).toBe(stopped)
      await popup.getByRole('button', { name: undo }).click()
      await waitFor('payment to resume', () => (account.total > stopped ? true : undefined), 5000)
      await popup.close()
    }
    await page.close()
  })

  it('a site\'s cap holds while another site keeps being paid', async () => {
    const capped = 'capped-site'
    const free = 'free-site'
    const cappedUrl = localhost(stack.net.site.pageFor('link', capped))
    const site = new URL(cappedUrl).origin
    const spentThere = BigInt((await overview()).topSites.find((t) => t.site === site)?.sent.value ?? '0')
    await setSite(site, { cap: toDecimalString(spentThere + 300n * UNIT, 9) })
    const a = await stack.openWindow(cappedUrl)
    const b = await stack.openWindow(stack.net.site.pageFor('link', free))
    const cappedTotal = await settled(stack, capped)
    expect(cappedTotal).toBeLessThanOrEqual(300n)
    expect(cappedTotal).toBeGreaterThanOrEqual(299n) // first-packet dust, as above
    const freeBefore = stack.net.receiver.account(free).total
    await sleep(3000)
    expect(stack.net.receiver.account(capped).total).toBe(cappedTotal)
    expect(Number(stack.net.receiver.account(free).total - freeBefore)).toBeGreaterThanOrEqual(2000 * RECEIVED_PER_MS)
    expect(await stack.status(a)).toMatchObject({ kind: 'monetized', phase: 'limit', reason: expect.stringMatching(/cap/) as unknown })
    await a.close()
    await b.close()
  })
})

describe('continuity', () => {
  it('a reload continues the same accrual: five reloads pay no extra seconds', async () => {
    const name = 'reloads'
    const account = stack.net.receiver.account(name)
    const start = Date.now()
    const page = await stack.openWindow(stack.net.site.pageFor('link', name))
    await waitFor('first payment', () => (account.total > 0n ? true : undefined))
    await sleep(2000)
    for (let i = 0; i < 5; i++) {
      await page.reload()
      await sleep(300)
    }
    await sleep(2500)
    // Counted before the tab closes: ilp-protocol-stream's close can send a last empty packet after its
    // ConnectionClose, which the receiver counts as a connection of its own (no money moves).
    const connections = account.connections
    await page.close()
    const total = await settled(stack, name, 1500)
    // Visible time × rate plus one leading second: a fresh first second per reload would add 500.
    expect(Number(total)).toBeLessThanOrEqual((Date.now() - start + 1000) * RECEIVED_PER_MS)
    expect(connections).toBe(1) // one connection carried across every reload
  })

  it('after the worker is killed with a packet in flight, the ledger equals the receiver\'s total', async () => {
    const name = 'killed-in-flight'
    const account = stack.net.receiver.account(name)
    const page = await stack.openWindow(stack.net.site.pageFor('link', name))
    await waitFor('payments', () => (account.packets.length >= 3 ? true : undefined))
    // Hold the receiver's replies: the next packet is counted by the receiver, then the worker dies
    // before its fulfil can come back.
    const seen = account.packets.length
    stack.net.receiver.holdReplies(3000)
    await waitFor('a packet in flight', () => (account.packets.length > seen ? true : undefined), 5000)
    await stack.browser.killWorker()
    stack.net.receiver.holdReplies(0)
    await waitFor('payments after the restart', () => (account.packets.length > seen + 2 ? true : undefined), 15_000)
    await page.close()
    await settled(stack, name, 2500)
    await sleep(1000) // the visit's settlement is written after its connection closes

    const file = ({ rows: await stack.ledgerRows() }) satisfies Pick<LedgerFile, 'rows'>
    const rows = file.rows.filter((r) => r.receiver.endsWith(`/${name}`))
    const delivered = rows.reduce((s, r) => s + BigInt(r.delivered), 0n)
    const sent = rows.reduce((s, r) => s + BigInt(r.sent), 0n)
    expect(delivered).toBe(account.total)
    // USD 9 → USD 6: what was sent is what arrived, but for the first packet's sub-unit dust.
    expect(sent - account.total * UNIT).toBeGreaterThanOrEqual(0n)
    expect(sent - account.total * UNIT).toBeLessThan(UNIT)
    expect(rows.every((r) => r.unconfirmed === '0')).toBe(true)
  })
})
