// The budget's start (budget-start.ts): the day totals first, then every site's rows, in one snapshot
// of the ledger; a payment written meanwhile is in neither (the worker adds it in memory), and a
// damaged row counts as its salvage.
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { Budget } from '../../src/background/ledger/budget.ts'
import { Ledger } from '../../src/background/ledger/ledger.ts'
import { DEFAULT_SETTINGS } from '../../src/shared/settings.ts'
import { dayKey } from '../../src/shared/period.ts'
import { entry, rowKey, USD9 } from './fixtures.ts'

let n = 0
const fresh = () => new Ledger({ name: `budget-start-${++n}`, timeZone: 'UTC' })
const NOW = Date.UTC(2026, 10, 22, 12)
const DAY = 86_400_000

describe('the budget\'s start', () => {
  it('reads the day totals and the rows of the lookback as they were before a payment written meanwhile', async () => {
    const l = fresh()
    await l.record(entry({ at: NOW - 40 * DAY }), null) // before the lookback
    await l.record(entry({ at: NOW - 3 * DAY }), null)
    await l.record(entry({ at: NOW - 3 * DAY, site: 'https://blog.example', sent: 250_000n }), null)
    await l.record(entry({ at: NOW }), null)
    const start = await l.budgetStart(dayKey(NOW - 32 * DAY, 'UTC'))
    // A payment of this worker, written while the start is being read.
    const meanwhile = l.record(entry({ at: NOW, sent: 7_000_000n }), null)
    const totals = await start.totals
    const { rows, damaged } = await start.rows
    await meanwhile
    expect(damaged).toEqual([])
    expect(totals?.map((t) => [t.day, t.site, t.sent])).toEqual([['2026-11-19', '*', '350000'], ['2026-11-22', '*', '100000']])
    expect(rows.map((r) => [r.day, r.site, r.sent]).sort()).toEqual([
      ['2026-11-19', 'https://blog.example', '250000'], ['2026-11-19', 'https://news.example', '100000'], ['2026-11-22', 'https://news.example', '100000'],
    ])
    // Into a budget, with the payment charged in memory: counted once.
    const b = new Budget({ settings: () => DEFAULT_SETTINGS, asset: () => USD9, now: () => NOW, dayOf: (t) => dayKey(t, 'UTC') })
    b.loadTotals(totals ?? [])
    b.charge('https://news.example', 7_000_000n, USD9, NOW)
    b.load(rows)
    expect(b.spentNow()).toBe(350_000n + 100_000n + 7_000_000n)
    expect(b.spentNow('https://news.example')).toBe(100_000n + 100_000n + 7_000_000n)
  })

  it('reads a lookback of several pages of rows, each once', async () => {
    const l = fresh()
    await l.record(entry({ at: NOW }), null)
    const db = await (l as unknown as { db(): Promise<{ transaction(s: string, m: string): { store: { put(v: unknown): Promise<unknown> }; done: Promise<void> } }> }).db()
    const tx = db.transaction('days', 'readwrite')
    const count = 4_321
    for (let i = 0; i < count; i++) {
      const day = `2026-11-${String(1 + (i % 21)).padStart(2, '0')}`
      const site = `https://site-${i}.example`
      void tx.store.put({ id: rowKey(day, site, 'https://w.example/a'), v: 1, day, site, receiver: 'https://w.example/a', source: USD9, destination: null, sent: '10', delivered: '0', unconfirmed: '0', ms: 0, packets: 1 })
    }
    await tx.done
    const { rows } = await (await l.budgetStart('2026-10-21')).rows
    expect(rows).toHaveLength(count + 1)
    expect(new Set(rows.map((r) => `${r.day} ${r.site}`)).size).toBe(count + 1)
    expect(rows.reduce((sum, r) => sum + BigInt(r.sent), 0n)).toBe(BigInt(count) * 10n + 100_000n)
  })

  it('finds a row of the lookback stored under a key that does not start with its day (counted by the day index)', async () => {
    const l = fresh()
    await l.record(entry({ at: NOW }), null)
    const db = await (l as unknown as { db(): Promise<{ transaction(s: string, m: string): { store: { put(v: unknown): Promise<unknown> }; done: Promise<void> } }> }).db()
    const tx = db.transaction('days', 'readwrite')
    // An older ledger's row (a number for a key), and one whose day field is no key the index takes.
    void tx.store.put({ id: 42, v: 1, day: '2026-11-20', site: 'https://old.example', receiver: 'https://w.example/a', source: USD9, destination: null, sent: '3000', delivered: '0', unconfirmed: '0', ms: 0, packets: 1 })
    void tx.store.put({ id: 43, v: 1, day: null, site: 'https://odd.example', receiver: 'https://w.example/a', source: USD9, destination: null, sent: '5', delivered: '0', unconfirmed: '0', ms: 0, packets: 1 })
    await tx.done
    const { rows } = await (await l.budgetStart('2026-10-21')).rows
    expect(rows.map((r) => [r.day, r.site, r.sent]).sort()).toEqual([
      ['2026-11-20', 'https://old.example', '3000'], ['2026-11-22', 'https://news.example', '100000'],
    ])
  })

  it('says the totals cannot be used while the aggregates are still to be built', async () => {
    const l = fresh()
    await l.record(entry({ at: NOW }), null)
    const db = await (l as unknown as { db(): Promise<IDBDatabase & { put(store: string, value: unknown, key: string): Promise<unknown> }> }).db()
    await db.put('settings', true, 'history-sums-pending')
    const start = await l.budgetStart(dayKey(NOW - 32 * DAY, 'UTC'))
    expect(await start.totals).toBeNull()
    expect((await start.rows).rows).toHaveLength(1)
  })

  it('does not stand on a damaged day total: the budget waits for the rows', async () => {
    const l = fresh()
    await l.record(entry({ at: NOW }), null)
    const db = await (l as unknown as { db(): Promise<{ getAllKeys(s: string): Promise<string[]>; get(s: string, k: string): Promise<Record<string, unknown>>; put(s: string, v: unknown): Promise<unknown> }> }).db()
    const [key] = await db.getAllKeys('totals')
    await db.put('totals', { ...(await db.get('totals', key ?? '')), sent: 'lost' })
    const start = await l.budgetStart(dayKey(NOW - 32 * DAY, 'UTC'))
    expect(await start.totals).toBeNull()
    expect((await start.rows).rows.map((r) => r.sent)).toEqual(['100000'])
  })

  it('counts a damaged row as its salvage, and sets it aside', async () => {
    const l = fresh()
    await l.record(entry({ at: NOW }), null)
    const key = rowKey('2026-11-22', 'https://news.example', 'https://wallet.example/alice')
    const db = await (l as unknown as { db(): Promise<{ get(s: string, k: string): Promise<Record<string, unknown>>; put(s: string, v: unknown): Promise<unknown> }> }).db()
    const stored = await db.get('days', key)
    await db.put('days', { ...stored, delivered: 'not a number' })
    const start = await l.budgetStart(dayKey(NOW - 32 * DAY, 'UTC'))
    const { rows, damaged } = await start.rows
    expect(damaged).toEqual([key])
    expect(rows.map((r) => r.sent)).toEqual(['100000']) // what was sent still counts
  })
})
