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

  it('says the totals cannot be used while the aggregates are still to be built', async () => {
    const l = fresh()
    await l.record(entry({ at: NOW }), null)
    const db = await (l as unknown as { db(): Promise<IDBDatabase & { put(store: string, value: unknown, key: string): Promise<unknown> }> }).db()
    await db.put('settings', true, 'history-sums-pending')
    const start = await l.budgetStart(dayKey(NOW - 32 * DAY, 'UTC'))
    expect(await start.totals).toBeNull()
    expect((await start.rows).rows).toHaveLength(1)
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
