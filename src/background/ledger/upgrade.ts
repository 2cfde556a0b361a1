/** How each version of the ledger database is reached from any earlier one (schema.ts says what each holds). */
import { SUMS_PENDING } from './history-sums.ts'
import type { LedgerDb, UpgradeTx } from './schema.ts'

/**
 * Each step only adds: a database of any earlier version keeps its rows and records. Nothing here
 * reads or rewrites the rows: a request that failed would abort the upgrade, and the database would
 * not open at all (no payment could be recorded). The history's aggregates of rows already there are
 * built after it, in a transaction of their own (history-sums.ts `buildSums`), marked pending until then.
 */
export function upgrade(db: LedgerDb, oldVersion: number, tx: UpgradeTx): void {
  if (oldVersion < 1) {
    db.createObjectStore('days', { keyPath: 'id' }).createIndex('day', 'day')
    db.createObjectStore('visits', { keyPath: 'key' })
  }
  if (oldVersion < 2) db.createObjectStore('quarantine', { keyPath: 'id' })
  if (oldVersion < 3) db.createObjectStore('settings')
  if (oldVersion < 4) {
    tx.objectStore('days').createIndex('site-day', ['site', 'day'])
    db.createObjectStore('months', { keyPath: 'id' })
    db.createObjectStore('totals', { keyPath: 'id' })
    if (oldVersion >= 1) void tx.objectStore('settings').put(true, SUMS_PENDING)
  }
}
