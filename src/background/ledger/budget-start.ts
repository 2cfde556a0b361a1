/**
 * What the budget reads when the worker starts, in one read-only transaction: first the day totals
 * over all sites of the lookback (a row per day and asset, from the `totals` store the ledger keeps
 * in each payment's own transaction), then every site's rows of those days.
 *
 * The totals are enough for the budget's own limit, so payments may start as soon as they are read,
 * however long a year of a thousand sites takes to read. And nothing is counted twice: a payment's
 * write is a read-write transaction over the same stores, which IndexedDB runs only after this one has
 * finished, so what the rows say is exactly the ledger before any payment of this worker, and every
 * charge since is added in memory (budget.ts).
 */
import { isDayKey, type DayKey } from '../../shared/period.ts'
import { SUMS_PENDING } from './history-sums.ts'
import { checkLedgerRow, mergeRows, type LedgerRow } from './ledger-rows.ts'
import type { LedgerDb } from './schema.ts'

export interface BudgetStart {
  /** The day totals, or null when they cannot stand alone (aggregates still to be built, a damaged total): wait for `rows`. */
  totals: Promise<LedgerRow[] | null>
  /** Every row of `from` and later days; damaged ones as their salvage (their keys in `damaged`). */
  rows: Promise<{ rows: LedgerRow[]; damaged: IDBValidKey[] }>
}

/** Keys of rows of `from` and later days: every key starts with its day (rowKey). */
const sinceKey = (from: DayKey): IDBKeyRange => IDBKeyRange.bound(`["${from}`, '["\uffff')

function checkAll(keys: readonly IDBValidKey[], values: readonly unknown[], from: DayKey): { rows: LedgerRow[]; damaged: IDBValidKey[] } {
  const good: LedgerRow[] = []
  const salvaged: LedgerRow[] = []
  const damaged: IDBValidKey[] = []
  keys.forEach((key, i) => {
    const checked = checkLedgerRow(key, values[i])
    if (checked.ok) good.push(checked.row)
    else {
      damaged.push(key)
      if (checked.salvage !== null) salvaged.push(checked.salvage)
    }
  })
  const rows = damaged.length === 0 ? good : mergeRows(good, salvaged)
  return { rows: rows.filter((r) => isDayKey(r.day) && r.day >= from), damaged }
}

/** A key as a set member: our keys are strings already; anything else is marked apart, so no two collide. */
const keyText = (key: IDBValidKey): string => (typeof key === 'string' ? key : `\u0000${JSON.stringify(key)}`)

/** Rows per read of the days: each page is checked as it arrives, so the worker's other work runs between. */
const ROWS_PER_READ = 2000

export function readBudgetStart(db: LedgerDb, from: DayKey): BudgetStart {
  const tx = db.transaction(['settings', 'totals', 'days'], 'readonly')
  const done = tx.done.catch(() => undefined)
  // The small ones first: IndexedDB answers a transaction's requests in order.
  const pending = tx.objectStore('settings').get(SUMS_PENDING)
  const totalValues = tx.objectStore('totals').getAll(sinceKey(from))
  const totalKeys = tx.objectStore('totals').getAllKeys(sinceKey(from))
  const days = tx.objectStore('days')
  const totals = (async () => {
    if ((await pending) !== undefined) return null
    const checked = checkAll(await totalKeys, await totalValues, from)
    // A damaged total may have lost what it held (a later payment starts it afresh): wait for the rows.
    return checked.damaged.length > 0 ? null : checked.rows
  })()
  const rows = (async () => {
    // Page by page, each next read asked for as the last one arrives (the transaction stays open and
    // the snapshot one): between pages, the worker starts up and pays.
    const rows: LedgerRow[] = []
    const damaged: IDBValidKey[] = []
    const seen = new Set<string>()
    for (let range = sinceKey(from); ;) {
      const [k, v] = await Promise.all([days.getAllKeys(range, ROWS_PER_READ), days.getAll(range, ROWS_PER_READ)])
      const page = checkAll(k, v, from)
      rows.push(...page.rows)
      damaged.push(...page.damaged)
      for (const key of k) seen.add(keyText(key))
      const last = k.at(-1)
      if (k.length < ROWS_PER_READ || last === undefined) break
      range = IDBKeyRange.bound(last, '["\uffff', true, false)
    }
    // Rows whose key does not start with their day (not written by this ledger) but whose day is in the
    // lookback: found by the day index, keys first (normally none beyond the ones above).
    const extra = (await days.index('day').getAllKeys(IDBKeyRange.lowerBound(from))).filter((key) => !seen.has(keyText(key)))
    const extraValues = await Promise.all(extra.map((key) => days.get(key)))
    await done
    const more = checkAll(extra, extraValues, from)
    return { rows: more.rows.length === 0 && damaged.length === 0 ? rows : mergeRows(rows, more.rows), damaged: [...damaged, ...more.damaged] }
  })()
  // Whoever does not wait for one of them must not leave an unhandled rejection behind.
  totals.catch(() => undefined)
  rows.catch(() => undefined)
  return { totals, rows }
}
