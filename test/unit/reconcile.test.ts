// After a worker is killed with a chunk in flight, the new worker reopens the same STREAM connection
// and reads the receiver's own total: the ledger then says exactly what the receiver got.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { harness, MemoryLedger, monetizerWorld, Mortal } from './fakes.ts'
import { links, snapshot } from './fixtures.ts'

const page = snapshot({ tags: links('https://r.example/a') })

beforeEach(() => { vi.useFakeTimers({ now: Date.UTC(2026, 10, 22, 12) }) })
afterEach(() => { vi.useRealTimers() })

async function killMidChunk(ledger: MemoryLedger) {
  const h = harness()
  const through = new Mortal(ledger)
  const { m } = monetizerWorld(h, { ledger, through })
  m.pageState(1, page, 'https://site.example/')
  for (let s = 0; s < 3; s++) {
    await vi.advanceTimersByTimeAsync(1000)
    h.payers[0]?.fulfilAll()
  }
  await vi.advanceTimersByTimeAsync(1000) // the next chunk is allowed and goes out...
  const old = h.payers[0]
  if (old === undefined) throw new Error('no payer')
  expect(old.pending).toBeGreaterThan(0n)
  through.alive = false // ...and the worker dies before its fulfil comes back
  old.freeze()
  return old
}

async function restartAndPay(ledger: MemoryLedger, remoteBase: bigint) {
  const h = harness({}, { onPayer: (p) => { p.remoteBase = remoteBase } })
  const { m } = monetizerWorld(h, { ledger })
  await m.restore()
  m.pageState(1, page, 'https://site.example/')
  for (let s = 0; s < 3; s++) {
    await vi.advanceTimersByTimeAsync(1000)
    h.payers[0]?.fulfilAll()
  }
  m.tabRemoved(1)
  await vi.advanceTimersByTimeAsync(5000)
  return h
}

const total = (ledger: MemoryLedger, key: 'sent' | 'delivered' | 'unconfirmed') => ledger.entries.reduce((s, e) => s + e[key], 0n)

describe('a chunk in flight when the worker died', () => {
  it('that arrived is written to the ledger as sent and delivered', async () => {
    const ledger = new MemoryLedger()
    const old = await killMidChunk(ledger)
    // The receiver did get it: its stream total is what the old worker saw, plus the chunk.
    const arrived = old.pending / old.divisor
    const h = await restartAndPay(ledger, old.delivered + arrived)
    expect(h.spspCalls).toEqual([]) // the same connection, reopened
    expect(h.payers[0]?.opts.destinationAccount).toBe(old.opts.destinationAccount)
    const receiverGot = old.delivered + arrived + (h.payers[0]?.delivered ?? 0n)
    expect(total(ledger, 'delivered')).toBe(receiverGot)
    expect(total(ledger, 'sent')).toBe(old.allowance + (h.payers[0]?.totalSent ?? 0n))
    expect(total(ledger, 'unconfirmed')).toBe(0n)
    expect(ledger.visits.size).toBe(0)
  })

  it('that the receiver says never arrived stays unconfirmed: its word confirms, never undoes', async () => {
    const ledger = new MemoryLedger()
    const old = await killMidChunk(ledger)
    const h = await restartAndPay(ledger, old.delivered)
    const receiverGot = old.delivered + (h.payers[0]?.delivered ?? 0n)
    expect(total(ledger, 'delivered')).toBe(receiverGot)
    expect(total(ledger, 'sent')).toBe(old.totalSent + (h.payers[0]?.totalSent ?? 0n))
    expect(total(ledger, 'unconfirmed')).toBe(old.pending) // still counted against the budget
  })

  it('when the receiver cannot tell, stays unconfirmed: charged to the budget, never lost', async () => {
    const ledger = new MemoryLedger()
    const old = await killMidChunk(ledger)
    const h = harness()
    const { m } = monetizerWorld(h, { ledger }) // payers report no stream total (remoteBase null)
    await m.restore()
    m.pageState(1, page, 'https://site.example/')
    await vi.advanceTimersByTimeAsync(2000)
    h.payers[0]?.fulfilAll()
    m.tabRemoved(1)
    await vi.advanceTimersByTimeAsync(5000)
    expect(total(ledger, 'unconfirmed')).toBe(old.pending)
    expect(total(ledger, 'sent') + total(ledger, 'unconfirmed')).toBe(old.allowance + (h.payers[0]?.totalSent ?? 0n))
  })
})
