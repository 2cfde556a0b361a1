// Edges of settlement found in review: a lost first packet later confirmed corrects its own row (no
// negative row, no repair notice, no double charge); a reply that arrives after a visit was settled
// changes nothing; an uplink outage while the tab is visible holds and charges nothing extra.
import 'fake-indexeddb/auto'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Ledger } from '../../src/background/ledger/ledger.ts'
import { fakePlugin, harness, MemoryLedger, monetizerWorld, reopenAfterLostReply } from './fakes.ts'
import { snapshot } from './fixtures.ts'

beforeEach(() => { vi.useFakeTimers({ now: Date.UTC(2026, 11, 1, 12), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] }) })
afterEach(() => { vi.useRealTimers() })

describe('settlement edges', () => {
  it('a lost first packet, confirmed later, is corrected on the row it was written to', async () => {
    const h = harness()
    const mem = new MemoryLedger()
    const { m } = monetizerWorld(h, { ledger: mem })
    m.pageState(1, snapshot(), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(0)
    const second = await reopenAfterLostReply(h, (ms) => vi.advanceTimersByTimeAsync(ms))
    second.remoteBase = 100n
    second.fulfilAll()
    await vi.advanceTimersByTimeAsync(0)
    const real = new Ledger({ name: 'settlement-edges', timeZone: 'UTC' })
    for (const e of mem.entries) await real.record(e, null)
    const rows = await real.rows()
    const spent = rows.reduce((s, r) => s + BigInt(r.sent) + BigInt(r.unconfirmed), 0n)
    expect(spent).toBe(mem.entries.reduce((s, e) => s + e.sent, 0n))
    expect(rows.every((r) => r.unconfirmed === '0')).toBe(true)
    expect(await real.repairs()).toEqual([])
    m.tabRemoved(1)
    await vi.advanceTimersByTimeAsync(10_000)
  })

  it('a fulfil that arrives after the visit was settled is not charged again, and brings no record back', async () => {
    const h = harness()
    const { m, ledger, budget } = monetizerWorld(h)
    m.pageState(1, snapshot(), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(0)
    const p = h.payers[0]
    if (p === undefined) throw new Error('no payer')
    p.exposure = p.allowance // in flight, its reply not back within close's grace
    m.tabRemoved(1)
    await vi.advanceTimersByTimeAsync(3000)
    expect(budget.spentNow()).toBe(p.allowance)
    p.fulfilAll()
    await vi.advanceTimersByTimeAsync(10)
    expect(budget.spentNow()).toBe(p.totalSent)
    expect(ledger.visits.size).toBe(0)
  })

  it('ten minutes of uplink outage on a visible tab hold and charge nothing that did not leave', async () => {
    let down = false
    const h = harness({ connectPlugin: async () => { if (down) throw new Error('ECONNREFUSED'); return fakePlugin() } })
    const { m, ledger, budget } = monetizerWorld(h)
    m.pageState(1, snapshot(), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(0)
    const p = h.payers[0]
    if (p === undefined) throw new Error('no payer')
    p.fulfilAll()
    p.exposure = p.totalSent
    down = true
    p.die('The connection to your uplink dropped.', { reason: 'dropped', refused: false, unknown: false, uplink: true })
    await vi.advanceTimersByTimeAsync(600_000)
    // What may be authorised while connecting is bounded by the tab's meter: a few seconds, not ten minutes.
    expect(budget.heldNow()).toBeLessThanOrEqual(5n * 100_000n)
    m.tabRemoved(1)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(ledger.entries.reduce((s, e) => s + e.unconfirmed, 0n)).toBe(0n)
    expect(ledger.entries.reduce((s, e) => s + e.sent, 0n)).toBe(p.totalSent)
  })
})
