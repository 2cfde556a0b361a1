// One writer for money: a payment whose ledger write fails is charged once, written with the next
// write, and the budget and the ledger agree throughout (they once disagreed by the failed entry).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { harness, MemoryLedger, monetizerWorld, Mortal } from './fakes.ts'
import { snapshot } from './fixtures.ts'

beforeEach(() => { vi.useFakeTimers({ now: Date.UTC(2026, 11, 1, 12), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] }) })
afterEach(() => { vi.useRealTimers() })

/** A page paid through a ledger whose writes can be made to fail; its first payer. */
async function paying() {
  const h = harness()
  const ledger = new MemoryLedger()
  const through = new Mortal(ledger)
  const { m, budget } = monetizerWorld(h, { ledger, through })
  m.pageState(1, snapshot(), 'https://site.example/')
  await vi.advanceTimersByTimeAsync(0)
  const payer = h.payers[0]
  if (payer === undefined) throw new Error('no payer')
  return { ledger, through, m, budget, payer }
}

describe('a ledger write that fails', () => {
  it('is charged once and written with the next payment: budget spent == ledger total', async () => {
    const { ledger, through, m, budget, payer } = await paying()

    through.failNext = 1
    payer.fulfil(payer.pending)
    await vi.advanceTimersByTimeAsync(0)
    const first = payer.totalSent
    expect(first).toBeGreaterThan(0n)
    expect(ledger.spent).toBe(0n) // its write failed
    expect(budget.spentNow()).toBe(first) // but it left, and is charged

    await vi.advanceTimersByTimeAsync(1500)
    payer.fulfil(payer.pending)
    await vi.advanceTimersByTimeAsync(0)
    expect(payer.totalSent).toBeGreaterThan(first)
    expect(ledger.spent).toBe(payer.totalSent) // the failed entry rode along with the next write
    expect(budget.spentNow()).toBe(ledger.spent) // and was not charged a second time
    expect(m.unwrittenSpending()).toBe(0n)

    m.tabRemoved(1)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(budget.spentNow()).toBe(ledger.spent)
  })

  it('still reaches the ledger when the visit ends before another payment', async () => {
    const { ledger, through, m, budget, payer } = await paying()
    through.failNext = 1
    payer.fulfilAll()
    await vi.advanceTimersByTimeAsync(0)
    m.tabRemoved(1)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(ledger.entries.reduce((s, e) => s + e.sent, 0n)).toBe(payer.totalSent)
    expect(budget.spentNow()).toBe(ledger.spent)
    expect(ledger.visits.size).toBe(0)
  })
})
