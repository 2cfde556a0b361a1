// One writer for money: a payment whose ledger write fails is charged once, written with the next
// write, and the budget and the ledger agree throughout (they once disagreed by the failed entry).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { PageSnapshot } from '../../src/shared/messages.ts'
import { harness, MemoryLedger, monetizerWorld, Mortal } from './fakes.ts'

const page = (): PageSnapshot => ({
  visitId: '1b5f3c1e-8d2a-4c3b-9e7f-1a2b3c4d5e6f', tags: [{ kind: 'link', value: 'https://r.example/pay', seenAt: 0 }], visible: true, csp: [], grants: [], grant: null,
})
beforeEach(() => { vi.useFakeTimers({ now: Date.UTC(2026, 11, 1, 12), toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] }) })
afterEach(() => { vi.useRealTimers() })

/** A page paid through a ledger whose writes can be made to fail; its first payer. */
async function paying() {
  const h = harness()
  const ledger = new MemoryLedger()
  const through = new Mortal(ledger)
  const { m, budget } = monetizerWorld(h, { ledger, through })
  m.pageState(1, page(), 'https://site.example/')
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

describe('a receiver that was given up on', () => {
  it('is tried again when the page is reloaded ("reload the page to try again")', async () => {
    const { err } = await import('../../src/shared/result.ts')
    let refuse = true
    const h = harness({
      querySpsp: async (url) => {
        calls.push(url)
        if (refuse) return err({ step: 'status', message: 'The receiver answered HTTP 404.', retryable: false, status: 404 })
        return { ok: true, value: { destinationAccount: 'test.x.y', sharedSecret: new Uint8Array(32), finalUrl: url, status: 200, contentType: 'application/spsp4+json', cacheControl: null } }
      },
    })
    const calls: string[] = []
    const { m } = monetizerWorld(h)
    m.pageState(1, page(), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(2000)
    expect(calls).toHaveLength(1) // refused for good: no retry
    expect(m.status(1)).toMatchObject({ phase: 'failed' })
    refuse = false
    // The reload: the page goes, the same site's next page in the tab carries the visit on.
    m.pageGone(1, page().visitId)
    m.pageState(1, { ...page(), visitId: '4b5f3c1e-8d2a-4c3b-9e7f-1a2b3c4d5e6f' }, 'https://site.example/')
    await vi.advanceTimersByTimeAsync(500)
    expect(calls).toHaveLength(2)
    expect(h.payers.length).toBeGreaterThan(0)
    m.tabRemoved(1)
    await vi.advanceTimersByTimeAsync(10_000)
  })
})
