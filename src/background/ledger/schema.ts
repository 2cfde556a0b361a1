/**
 * The ledger database's stores, version by version (ledger.ts upgrades). Each step only adds: a database
 * of any earlier version keeps its rows and records, and gains what the new version keeps beside them.
 *
 * 1: `days` (one row per local day, site, receiver and pair of assets: the source of truth) and
 *    `visits` (open visits' records). 2: `quarantine`. 3: `settings`.
 * 4: the history's aggregates, kept in the same transaction as each payment's row: `months` (one row
 *    per calendar month, site, receiver and pair of assets, `day` being the month's first day) and
 *    `totals` (one row per day and source asset over all sites), and an index of `days` by site and
 *    day. A year of a thousand sites is 365,000 rows of `days`; a month's statement reads a thousand
 *    rows of `months`, a year's chart 365 of `totals`, one site's year 365 of `days` by the index.
 */
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb'
import type { DayKey } from '../../shared/period.ts'
import type { VisitRecord } from './visit-record.ts'

export type StoredVisit = VisitRecord & { key: string }

export interface Schema extends DBSchema {
  // Values are `unknown`: what comes back from storage is checked, not believed (checkLedgerRow).
  // Keys too: rowKey writes strings, but a damaged store may hold anything a key can be.
  days: { key: IDBValidKey; value: unknown; indexes: { day: DayKey; 'site-day': [string, DayKey] } }
  visits: { key: string; value: StoredVisit }
  quarantine: { key: string; value: unknown }
  /** The user's settings (settings-store.ts): here, in the extension's own origin, no content script reaches them. */
  settings: { key: string; value: unknown }
  /** Derived from `days` (history-sums.ts): rows shaped like its rows, checked the same way. */
  months: { key: IDBValidKey; value: unknown }
  totals: { key: IDBValidKey; value: unknown }
}

export type LedgerDb = IDBPDatabase<Schema>
export type UpgradeTx = IDBPTransaction<Schema, StoreNames<Schema>[], 'versionchange'>
export const LEDGER_DB = 'trickle'
export const DB_VERSION = 4
