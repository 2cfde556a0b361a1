/** The ledger as files a person (or a spreadsheet) can read: CSV and JSON, amounts exact. */
import { toDecimalString } from '../../shared/money.ts'
import type { LedgerRow } from './ledger.ts'

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

const byDaySite = (a: LedgerRow, b: LedgerRow): number =>
  a.day === b.day ? (a.site === b.site ? a.receiver.localeCompare(b.receiver) : a.site.localeCompare(b.site)) : a.day.localeCompare(b.day)

export function ledgerCsv(rows: readonly LedgerRow[]): string {
  const lines = [COLUMNS.join(',')]
  for (const r of [...rows].sort(byDaySite)) {
    lines.push([
      r.day, r.site, r.receiver, r.source.code, String(r.source.scale),
      toDecimalString(BigInt(r.sent), r.source.scale), toDecimalString(BigInt(r.unconfirmed), r.source.scale),
      r.destination?.code ?? '', r.destination === null ? '' : String(r.destination.scale),
      r.destination === null ? '' : toDecimalString(BigInt(r.delivered), r.destination.scale),
      (r.ms / 1000).toFixed(3), String(r.packets),
    ].map(field).join(','))
  }
  return lines.join('\r\n') + '\r\n'
}

export interface LedgerFile {
  trickle: 'ledger'
  version: 1
  exportedAt: string
  /** Amounts are integer strings in each asset's smallest unit (value × 10^-scale). */
  rows: Omit<LedgerRow, 'id'>[]
}

export function ledgerJson(rows: readonly LedgerRow[], now: number): string {
  const file: LedgerFile = {
    trickle: 'ledger',
    version: 1,
    exportedAt: new Date(now).toISOString(),
    rows: [...rows].sort(byDaySite).map((r) => ({ day: r.day, site: r.site, receiver: r.receiver, source: r.source, destination: r.destination, sent: r.sent, delivered: r.delivered, unconfirmed: r.unconfirmed, ms: r.ms, packets: r.packets })),
  }
  return JSON.stringify(file, null, 2)
}
