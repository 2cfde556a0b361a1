/**
 * The ledger's export, read a page at a time (src/shared/ledger-file.ts builds the file in the page
 * that asked): each page is one short read-only transaction, so payments go on between pages.
 */
import { EXPORT_PAGE_ROWS, exportRowOf, ledgerFileText, type ExportRow } from '../../shared/ledger-file.ts'
import { checkLedgerRow, type LedgerRow } from './ledger-rows.ts'
import type { LedgerDb } from './schema.ts'

export interface ExportPage { rows: ExportRow[]; next: string | null }

/**
 * The rows after key `after` (null: from the first), at most EXPORT_PAGE_ROWS, in key order (day, site,
 * receiver); `next` names the last key read, or is null at the end. A damaged row is exported as what
 * can still be read of it (its salvage); the ledger's own reads set it aside.
 */
export async function readExportPage(db: LedgerDb, after: string | null): Promise<ExportPage> {
  // Every key this ledger writes is a string (rowKey); anything else is no row of ours.
  const range = IDBKeyRange.bound(after ?? '', '\uffff', after !== null, false)
  const tx = db.transaction('days')
  const [values, keys] = await Promise.all([tx.store.getAll(range, EXPORT_PAGE_ROWS), tx.store.getAllKeys(range, EXPORT_PAGE_ROWS)])
  await tx.done
  const rows: ExportRow[] = []
  keys.forEach((key, i) => {
    const checked = checkLedgerRow(key, values[i])
    const row = checked.ok ? checked.row : checked.salvage
    if (row !== null) rows.push(exportRowOf(row)) // its fields only: not its key
  })
  const last = keys.at(-1)
  return { rows, next: keys.length < EXPORT_PAGE_ROWS || typeof last !== 'string' ? null : last }
}

const byDaySite = (a: LedgerRow, b: LedgerRow): number =>
  a.day === b.day ? (a.site === b.site ? a.receiver.localeCompare(b.receiver) : a.site.localeCompare(b.site)) : a.day.localeCompare(b.day)

/** A set of rows as one CSV text (tests and the CLI's small ledgers). */
export function ledgerCsv(rows: readonly LedgerRow[]): string {
  return ledgerFileText('csv', [...rows].sort(byDaySite), 0)
}

/** A set of rows as one JSON text. */
export function ledgerJson(rows: readonly LedgerRow[], now: number): string {
  return ledgerFileText('json', [...rows].sort(byDaySite), now)
}
