// Receivers that refuse are left alone, and money whose fate is unknown counts as spent: it goes to
// the ledger as unconfirmed at once and moves to sent when the receiver later says it arrived.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { REFUSALS_TO_STOP } from '../../src/background/payment/visit.ts'
import type { PaymentEvent } from '../../src/shared/messages.ts'
import { harness, monetizerWorld, reopenAfterLostReply } from './fakes.ts'
import { snapshot } from './fixtures.ts'

const PER_SECOND = 100_000n

beforeEach(() => { vi.useFakeTimers({ now: Date.UTC(2026, 11, 1, 12) }) })
afterEach(() => { vi.useRealTimers() })

describe('a receiver that refuses', () => {
  it(`is stopped after ${REFUSALS_TO_STOP} refused connections, says why, and is not tried again`, async () => {
    const h = harness()
    const { m } = monetizerWorld(h)
    const events: PaymentEvent[] = []
    m.setNotify((_tab, _frame, e) => events.push(e))
    m.pageState(1, snapshot(), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(0)
    const refused = { reason: 'The receiver refused payment (F99 application error).', refused: true, unknown: false }
    for (let i = 0; i < REFUSALS_TO_STOP; i++) {
      const p = h.payers.at(-1)
      expect(p?.isOpen).toBe(true)
      p?.die('The STREAM connection failed: F99', refused)
      await vi.advanceTimersByTimeAsync(70_000)
    }
    expect(h.payers).toHaveLength(REFUSALS_TO_STOP)
    expect(m.status(1)).toMatchObject({ kind: 'monetized', phase: 'failed' })
    expect(JSON.stringify(m.status(1))).toContain('F99')
    expect(events.some((e) => e.event === 'failed')).toBe(true)
    await vi.advanceTimersByTimeAsync(600_000)
    expect(h.payers).toHaveLength(REFUSALS_TO_STOP)
    m.tabRemoved(1)
    await vi.advanceTimersByTimeAsync(10_000)
  })

  it('gets its refusal count reset by a payment that goes through', async () => {
    const h = harness()
    const { m } = monetizerWorld(h)
    m.pageState(1, snapshot(), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(0)
    const refused = { reason: 'refused', refused: true, unknown: false }
    for (let i = 0; i < REFUSALS_TO_STOP * 2; i++) {
      const p = h.payers.at(-1)
      if (i % 2 === 1) p?.fulfilAll()
      p?.die('boom', refused)
      await vi.advanceTimersByTimeAsync(70_000)
    }
    expect(m.status(1)).not.toMatchObject({ phase: 'failed' })
    m.tabRemoved(1)
    await vi.advanceTimersByTimeAsync(10_000)
  })
})

describe('a reply lost after the connector executed the packet', () => {
  it('is charged at once as unconfirmed, then moved to sent when the reopened connection shows it arrived', async () => {
    const h = harness()
    const { m, ledger, budget } = monetizerWorld(h)
    m.pageState(1, snapshot(), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(0)
    const first = h.payers[0]
    expect(first?.allowance).toBe(PER_SECOND)
    // The packet left and the connector executed it; the reply never came back.
    if (first === undefined) throw new Error('no payer')
    first.exposure = first.allowance
    first.die('the uplink\'s connection closed', { reason: 'lost', refused: false, unknown: true })
    await vi.advanceTimersByTimeAsync(0)
    expect(ledger.entries.at(-1)).toMatchObject({ sent: 0n, unconfirmed: PER_SECOND })
    expect(budget.spentNow()).toBe(PER_SECOND)
    expect(budget.heldNow()).toBe(0n) // charged, not held twice
    // The retry reopens the same connection; its first reply says the receiver already had 100 units.
    await vi.advanceTimersByTimeAsync(1000)
    const second = h.payers[1]
    expect(second?.opts.destinationAccount).toBe(first.opts.destinationAccount)
    if (second === undefined) throw new Error('no second payer')
    second.remoteBase = 100n
    second.fulfilAll()
    await vi.advanceTimersByTimeAsync(0)
    const sent = ledger.entries.reduce((s, e) => s + e.sent, 0n)
    const unconfirmed = ledger.entries.reduce((s, e) => s + e.unconfirmed, 0n)
    expect(unconfirmed).toBe(0n)
    expect(sent).toBe(PER_SECOND + second.totalSent)
    // What was charged never dipped: spending equals what the ledger says left.
    expect(budget.spentNow()).toBe(sent)
    m.tabRemoved(1)
    await vi.advanceTimersByTimeAsync(10_000)
  })

  it('stays unconfirmed, and charged, when the receiver says nothing arrived', async () => {
    const h = harness()
    const { m, ledger, budget } = monetizerWorld(h)
    m.pageState(1, snapshot(), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(0)
    const second = await reopenAfterLostReply(h, (ms) => vi.advanceTimersByTimeAsync(ms))
    second.remoteBase = 0n
    second.fulfilAll()
    m.tabRemoved(1)
    await vi.advanceTimersByTimeAsync(10_000)
    const unconfirmed = ledger.entries.reduce((s, e) => s + e.unconfirmed, 0n)
    expect(unconfirmed).toBe(PER_SECOND)
    expect(budget.spentNow()).toBe(ledger.spent)
  })
})

describe('a connection reopened again and again', () => {
  it('counts each connection\'s money once in the ledger, however many times the stream was reopened', async () => {
    const h = harness()
    const { m, ledger } = monetizerWorld(h)
    m.pageState(1, snapshot(), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(0)
    // The receiver's stream total, shared by every reopening of the connection.
    let receiverTotal = 0n
    for (let round = 0; round < 4; round++) {
      const p = h.payers.at(-1)
      if (p === undefined) throw new Error('no payer')
      p.remoteBase = receiverTotal
      p.fulfilAll()
      receiverTotal = p.remoteBase + p.delivered
      await vi.advanceTimersByTimeAsync(1000)
      // The next chunk is in flight when the uplink's socket dies; it never arrives.
      p.exposure = p.allowance
      p.die('the uplink\'s connection closed', { reason: 'lost', refused: false, unknown: true })
      await vi.advanceTimersByTimeAsync(1000)
    }
    const last = h.payers.at(-1)
    if (last === undefined) throw new Error('no payer')
    last.remoteBase = receiverTotal
    last.fulfilAll()
    receiverTotal = last.remoteBase + last.delivered
    expect(h.payers.length).toBeGreaterThanOrEqual(4)
    expect(new Set(h.payers.map((p) => p.opts.destinationAccount)).size).toBe(1)
    const delivered = ledger.entries.reduce((s, e) => s + e.delivered, 0n)
    expect(delivered).toBe(receiverTotal)
    m.tabRemoved(1)
    await vi.advanceTimersByTimeAsync(10_000)
  })
})
