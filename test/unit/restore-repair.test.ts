// A restarted worker never bricks on a bad record, and never pays a backlog: a damaged visit record is
// settled (counted as spent) and set aside while the others resume; time the worker was away is not paid.
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { checkVisitRecord } from '../../src/background/ledger/visit-record.ts'
import type { VisitRecord } from '../../src/background/payment/visit.ts'
import { harness, MemoryLedger, monetizerWorld, Mortal } from './fakes.ts'
import { snapshot, USD9 } from './fixtures.ts'

const PER_SECOND = 100_000n

beforeEach(() => { vi.useFakeTimers({ now: Date.UTC(2026, 11, 1, 12) }) })
afterEach(() => { vi.useRealTimers() })

/** A worker that paid `seconds` on tab 7 and then died; its ledger. */
async function deadWorker(seconds: number): Promise<MemoryLedger> {
  const ledger = new MemoryLedger()
  const h = harness()
  const through = new Mortal(ledger)
  const { m } = monetizerWorld(h, { ledger, through })
  m.pageState(7, snapshot(), 'https://site.example/')
  await vi.advanceTimersByTimeAsync(0)
  for (let s = 0; s < seconds; s++) {
    for (const p of h.payers) p.fulfilAll()
    await vi.advanceTimersByTimeAsync(1000)
  }
  // It dies: its connections stop moving money, and nothing it writes lands any more.
  for (const p of h.payers) p.freeze()
  through.alive = false
  h.deps.openPayer = () => new Promise(() => undefined)
  return ledger
}

describe('restoring after a restart', () => {
  it('pays no backlog for the time the worker was away: a 14 s gap costs nothing', async () => {
    const ledger = await deadWorker(3)
    const before = [...ledger.visits.values()][0]
    await vi.advanceTimersByTimeAsync(14_000) // the worker was down (or stuck) for 14 s
    const h = harness()
    const { m } = monetizerWorld(h, { ledger })
    await m.restore()
    m.pageState(7, snapshot(), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(0)
    await vi.advanceTimersByTimeAsync(1000)
    const resumed = h.payers[0]
    expect(before).toBeDefined()
    // Within a second of resuming it may give about a second, never the 14 s it was away.
    expect(resumed?.allowance ?? 0n).toBeLessThanOrEqual(2n * PER_SECOND)
    expect(resumed?.allowance ?? 0n).toBeGreaterThan(0n)
    m.tabRemoved(7)
    await vi.advanceTimersByTimeAsync(60_000)
  })

  it.each([
    ['counted: "abc"', { counted: 'abc' }],
    ['sent: "xyz"', { sent: 'xyz' }],
    ['accrual: null', { accrual: null }],
    ['quantum: "0"', { quantum: '0' }],
    ['v: 99', { v: 99 }],
    ['a link with a number for a secret', { link: { destinationAccount: 'x', sharedSecret: 5, base: '0', given: '0', sent: '0', delivered: '0' } }],
  ])('a record with %s is settled and set aside; the other tab resumes; the UI keeps answering', async (_name, damage) => {
    const ledger = await deadWorker(3)
    const good = [...ledger.visits.values()][0]
    if (good === undefined) throw new Error('no record')
    const bad = { ...structuredClone(good), tabId: 9, ...damage } as unknown as VisitRecord
    ledger.visits.set(`9:${good.input}`, bad)
    const h = harness()
    const { m, budget } = monetizerWorld(h, { ledger })
    const spentBefore = budget.spentNow()
    await m.restore()
    expect(ledger.quarantined.map((q) => q.key)).toEqual([`9:${good.input}`])
    expect(ledger.visits.has(`9:${good.input}`)).toBe(false)
    // What the bad record may have sent and can still be read is charged, never forgotten.
    expect(budget.spentNow()).toBeGreaterThanOrEqual(spentBefore)
    m.pageState(7, snapshot(), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(1000)
    expect(h.payers[0]?.allowance ?? 0n).toBeGreaterThan(0n)
    expect(m.status(7)).toMatchObject({ kind: 'monetized' })
    // The bad record's page comes back: it is paid at the rate from now, with no fresh first second.
    m.pageState(9, snapshot(), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(0)
    const nine = h.payers[1]
    expect(nine?.allowance ?? 0n).toBeLessThan(PER_SECOND / 2n)
    m.tabRemoved(7)
    m.tabRemoved(9)
    await vi.advanceTimersByTimeAsync(60_000)
  })

  it('never throws on any value, and accepts only what a visit can use', () => {
    fc.assert(fc.property(fc.anything(), (v) => {
      const r = checkVisitRecord(v)
      expect(typeof r.ok).toBe('boolean')
    }), { numRuns: 2000 })
    const sane = { tabId: 1, visitId: 'x', input: '$w.example/a', seenAt: 1, accrual: { folded: '0', segmentMs: 0, visibleSince: null, ratePerHour: null }, counted: '10', sent: '5', delivered: '1', sourceAsset: USD9, destinationAsset: null, firstPaidAt: null, quantum: '1' }
    expect(checkVisitRecord(sane).ok).toBe(true)
    expect(checkVisitRecord({ ...sane, sent: '11' }).ok).toBe(false)
  })
})
