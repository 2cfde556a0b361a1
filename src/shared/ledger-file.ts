/**
 * The ledger as files a person (or a spreadsheet) can read: CSV and JSON, amounts exact. Built page by
 * page (the worker hands the rows out EXPORT_PAGE_ROWS at a time, in key order: day, then site, then
 * receiver), so a year of a thousand sites is never one string or one message.
 */
import { toDecimalString, type Asset } from './money.ts'

/** Rows per page of an export (about 0.5 MB of JSON): small enough not to hold the worker up. */
export const EXPORT_PAGE_ROWS = 2000

/** One ledger row as exported: amounts are integer strings in each asset's smallest unit. */
export interface ExportRow {
  day: string
  /** The page's origin: who the user thinks they pay. */
  site: string
  /** The SPSP endpoint paid (what the tag resolved to). */
  receiver: string
  source: Asset
  destination: Asset | null
  /** Left the uplink account, confirmed by the receiver (source units). */
  sent: string
  /** Arrived, in the receiver's asset (destination units). */
  delivered: string
  /** May have left, but no confirmation came (a connection died with it in flight). Counts against the budget. */
  unconfirmed: string
  /** Visible time paid for, in milliseconds. */
  ms: number
  packets: number
}

export interface LedgerFile {
  trickle: 'ledger'
  version: 1
  exportedAt: string
  /** Amounts are integer strings in each asset's smallest unit (value × 10^-scale). */
  rows: ExportRow[]
}

export type LedgerFormat = 'csv' | 'json'

const COLUMNS = [
  'day', 'site', 'receiver', 'source_asset', 'source_scale', 'sent', 'unconfirmed',
  'destination_asset', 'destination_scale', 'delivered', 'seconds', 'packets',
] as const

/**
 * One CSV field: quoted when needed, and a leading = + - @ (or tab/CR) defused with an apostrophe, since
 * receivers' URLs come from web pages and spreadsheets run formulas (CSV injection).
 */
function field(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe
}

function csvLine(r: ExportRow): string {
  return [
    r.day, r.site, r.receiver, r.source.code, String(r.source.scale),
    toDecimalString(BigInt(r.sent), r.source.scale), toDecimalString(BigInt(r.unconfirmed), r.source.scale),
    r.destination?.code ?? '', r.destination === null ? '' : String(r.destination.scale),
    r.destination === null ? '' : toDecimalString(BigInt(r.delivered), r.destination.scale),
    (r.ms / 1000).toFixed(3), String(r.packets),
  ].map(field).join(',') + '\r\n'
}

/** Only the exported fields, in the file's order (a row read from storage may carry more). */
export const exportRowOf = (r: ExportRow): ExportRow => ({
  day: r.day, site: r.site, receiver: r.receiver, source: r.source, destination: r.destination,
  sent: r.sent, delivered: r.delivered, unconfirmed: r.unconfirmed, ms: r.ms, packets: r.packets,
})

/**
 * A ledger file, part by part: the same bytes as `JSON.stringify(file, null, 2)` (or the CSV with a
 * header and CRLF lines), without ever holding the file in one string.
 */
export class LedgerFileBuilder {
  private readonly out: string[] = []
  private rows = 0

  constructor(private readonly format: LedgerFormat, exportedAt: number) {
    this.out.push(format === 'csv'
      ? COLUMNS.join(',') + '\r\n'
      : `{\n  "trickle": "ledger",\n  "version": 1,\n  "exportedAt": ${JSON.stringify(new Date(exportedAt).toISOString())},\n  "rows": [`)
  }

  add(rows: readonly ExportRow[]): void {
    if (rows.length === 0) return
    if (this.format === 'csv') {
      this.out.push(rows.map(csvLine).join(''))
    } else {
      this.out.push(rows.map((r, i) => `${this.rows + i === 0 ? '\n' : ',\n'}    ${JSON.stringify(exportRowOf(r), null, 2).replaceAll('\n', '\n    ')}`).join(''))
    }
    this.rows += rows.length
  }

  /** The file's parts, in order (a Blob takes them as they are). */
  parts(): string[] {
    return this.format === 'csv' ? [...this.out] : [...this.out, this.rows === 0 ? ']\n}' : '\n  ]\n}']
  }
}

/** The whole file as one string (tests, and small ledgers). */
export function ledgerFileText(format: LedgerFormat, rows: readonly ExportRow[], exportedAt: number): string {
  const b = new LedgerFileBuilder(format, exportedAt)
  b.add(rows)
  return b.parts().join('')
}
