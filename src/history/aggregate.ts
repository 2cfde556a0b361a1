/**
 * The history page's pure arithmetic: days summed into weeks and months of the user's calendar, the
 * budget scaled to a bucket, each site's share, sorting and searching the statement, and the CSV and
 * JSON of exactly the rows on screen. Amounts stay bigint; a share is a ratio for display, computed
 * in bigint and turned into a Number only at the last division.
 */
import type { DayTotal, StatementLine } from '../shared/history.ts'
import { fromJson, sameAsset, toDecimalString, type Amount, type AmountJson, type Asset } from '../shared/money.ts'
import { addDays, daysBetween, periodOf, type DayKey } from '../shared/period.ts'
import type { BudgetSettings } from '../shared/settings.ts'

const parseDay = (day: DayKey): number => Date.parse(`${day}T00:00:00Z`)
const fromUtc = (t: number): DayKey => new Date(t).toISOString().slice(0, 10)

/** The day of the week of a day key, 0 = Sunday … 6 = Saturday. */
export const weekday = (day: DayKey): number => new Date(parseDay(day)).getUTCDay()

export type Granularity = 'day' | 'week' | 'month'
export const GRANULARITIES: readonly Granularity[] = ['day', 'week', 'month']

/**
 * The first day of the week in the user's calendar (0 = Sunday … 6 = Saturday), from Intl where the
 * browser says it (`Intl.Locale#getWeekInfo`, or `weekInfo` in older Chromium), else Monday (ISO).
 */
export function firstDayOfWeek(locale: string): number {
  try {
    const l = new Intl.Locale(locale) as Intl.Locale & { getWeekInfo?: () => { firstDay: number }; weekInfo?: { firstDay: number } }
    const first = l.getWeekInfo?.().firstDay ?? l.weekInfo?.firstDay
    if (typeof first === 'number' && first >= 1 && first <= 7) return first % 7
  } catch {
    // an unknown locale: the ISO week
  }
  return 1
}

/** The bucket `day` falls in: [start, end). */
export function bucketOf(day: DayKey, granularity: Granularity, weekStart: number): { start: DayKey; end: DayKey } {
  if (granularity === 'day') return { start: day, end: addDays(day, 1) }
  if (granularity === 'week') {
    const start = addDays(day, -((weekday(day) - weekStart + 7) % 7))
    return { start, end: addDays(start, 7) }
  }
  const start = `${day.slice(0, 7)}-01`
  const d = new Date(parseDay(start))
  return { start, end: fromUtc(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)) }
}

/** One bar: a bucket of days and what was spent in it (sent + unconfirmed counted apart). */
export interface Bucket { start: DayKey; end: DayKey; sent: bigint; unconfirmed: bigint; ms: number }

/**
 * The days of [from, to) summed into buckets, every bucket of the range present (empty ones too, so
 * a chart shows gaps as gaps). Days outside the range, or in another asset than `asset`, are left out
 * (the ledger keeps one source asset per uplink; a changed uplink is not mixed in).
 */
export function bucketize(days: readonly DayTotal[], range: { from: DayKey; to: DayKey }, granularity: Granularity, weekStart: number, asset: Asset): Bucket[] {
  const buckets: Bucket[] = []
  const index = new Map<DayKey, Bucket>()
  for (let day = range.from; day < range.to;) {
    const b = bucketOf(day, granularity, weekStart)
    const bucket: Bucket = { start: b.start < range.from ? range.from : b.start, end: b.end > range.to ? range.to : b.end, sent: 0n, unconfirmed: 0n, ms: 0 }
    buckets.push(bucket)
    index.set(b.start, bucket)
    day = b.end
  }
  for (const d of days) {
    if (d.day < range.from || d.day >= range.to || !sameAsset(d.sent, asset)) continue
    const bucket = index.get(bucketOf(d.day, granularity, weekStart).start)
    if (bucket === undefined) continue
    bucket.sent += BigInt(d.sent.value)
    if (sameAsset(d.unconfirmed, asset)) bucket.unconfirmed += BigInt(d.unconfirmed.value)
    bucket.ms += d.ms
  }
  return buckets
}

/**
 * The budget that belongs to a bucket: for each budget period it overlaps, that period's amount
 * times the share of its days inside the bucket (rounded down). A bucket that is exactly one period
 * gets exactly the budget; a day of a 30-day month gets a thirtieth.
 */
export function budgetForBucket(amount: bigint, budget: Pick<BudgetSettings, 'period' | 'renewDay'>, bucket: { start: DayKey; end: DayKey }): bigint {
  let total = 0n
  for (let day = bucket.start; day < bucket.end;) {
    const p = periodOf(day, budget)
    const until = p.end < bucket.end ? p.end : bucket.end
    total += (amount * BigInt(daysBetween(day, until))) / BigInt(daysBetween(p.start, p.end))
    day = until
  }
  return total
}

/** `part / whole` as a percentage for display (0 when the whole is 0); bigint until the last division. */
export function percent(part: bigint, whole: bigint): number {
  if (whole <= 0n) return 0
  return Number((part * 1_000_000n) / whole) / 10_000
}

/** The sum of one asset's amounts. */
export const sum = (values: readonly bigint[]): bigint => values.reduce((a, b) => a + b, 0n)

/** A statement line as the page shows it: what sorting, the table and the exports all read. */
export interface StatementRow {
  site: string
  /** What people read as the site's name (its host). */
  label: string
  sent: Amount
  unconfirmed: Amount
  delivered: Amount[]
  /** Receiver assets beyond those listed (the worker lists at most MAX_LINE_ASSETS). */
  otherAssets: number
  ms: number
  /** Share of the period's spending (sent + unconfirmed of every site), percent. */
  share: number
  cap: Amount | null
  receivers: string[]
}

export type SortKey = 'site' | 'sent' | 'time' | 'share'
export const SORT_KEYS: readonly SortKey[] = ['site', 'sent', 'time', 'share']

/** Rows from the worker's lines, each with its share of the total and its cap (decimal → units). */
export function statementRows(lines: readonly StatementLine[], label: (site: string) => string, cap: (site: string, asset: Asset) => bigint | null): StatementRow[] {
  const spent = (l: StatementLine): bigint => BigInt(l.sent.value) + BigInt(l.unconfirmed.value)
  const total = sum(lines.map(spent))
  return lines.map((l) => {
    const c = cap(l.site, l.sent)
    return {
      site: l.site,
      label: label(l.site),
      sent: fromJson(l.sent),
      unconfirmed: fromJson(l.unconfirmed),
      delivered: l.delivered.map(fromJson),
      otherAssets: l.otherAssets,
      ms: l.ms,
      share: percent(spent(l), total),
      cap: c === null ? null : { value: c, code: l.sent.code, scale: l.sent.scale },
      receivers: l.receivers,
    }
  })
}

/** The rows whose site contains `query` (case-insensitive), sorted by `key`; ties by site name. */
export function searchAndSort(rows: readonly StatementRow[], query: string, key: SortKey, descending: boolean): StatementRow[] {
  const q = query.trim().toLowerCase()
  const found = q === '' ? [...rows] : rows.filter((r) => r.site.toLowerCase().includes(q) || r.label.toLowerCase().includes(q))
  const byName = (a: StatementRow, b: StatementRow): number => (a.label < b.label ? -1 : a.label > b.label ? 1 : a.site < b.site ? -1 : a.site > b.site ? 1 : 0)
  const compare = (a: StatementRow, b: StatementRow): number => {
    switch (key) {
      case 'site': return 0
      case 'sent': return a.sent.value === b.sent.value ? 0 : a.sent.value < b.sent.value ? -1 : 1
      case 'time': return a.ms - b.ms
      case 'share': return a.share - b.share
    }
  }
  return found.sort((a, b) => {
    const c = key === 'site' ? byName(a, b) : compare(a, b)
    return c === 0 ? byName(a, b) : descending ? -c : c
  })
}

/** What arrived, summed per receiver asset (a site's receivers may be paid in different currencies). */
export function sumPerAsset(amounts: readonly (AmountJson | Amount | null)[]): Amount[] {
  const out: Amount[] = []
  for (const a of amounts) {
    if (a === null) continue
    const value = typeof a.value === 'bigint' ? a.value : BigInt(a.value)
    const found = out.find((o) => sameAsset(o, a))
    if (found === undefined) out.push({ value, code: a.code, scale: a.scale })
    else found.value += value
  }
  return out
}

/** An exact decimal for files: "0.000123000". */
export const exact = (a: Amount): string => toDecimalString(a.value, a.scale)

/** One table, as the page shows it and as its exports carry it: a header and rows of cells. */
export interface Table { columns: string[]; rows: (string | number)[][] }

/** Characters a spreadsheet takes as the start of a formula. */
const FORMULA = /^[=+\-@\t\r]/

/**
 * One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break, quotes doubled.
 * A text cell that a spreadsheet would run as a formula (site names come from the web) is prefixed
 * with an apostrophe. Numbers are written as they are (a negative number is not text).
 */
export function csvCell(v: string | number): string {
  let s = typeof v === 'number' ? String(v) : v
  if (typeof v === 'string' && FORMULA.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** The table as CSV: CRLF line ends (RFC 4180), a header line first. */
export const toCsv = (table: Table): string =>
  [table.columns, ...table.rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n'

/** The table as JSON: one object per row, keyed by the columns. */
export const toJsonText = (table: Table): string =>
  `${JSON.stringify(table.rows.map((row) => Object.fromEntries(table.columns.map((c, i) => [c, row[i] ?? null]))), null, 1)}\n`

/** The statement's export: one row per site on screen, in the same order, amounts exact. */
export function statementTable(rows: readonly StatementRow[]): Table {
  return {
    columns: ['site', 'sent', 'unconfirmed', 'asset', 'delivered', 'seconds', 'share_percent', 'cap'],
    rows: rows.map((r) => [
      r.site, exact(r.sent), exact(r.unconfirmed), r.sent.code,
      r.delivered.map((d) => `${exact(d)} ${d.code}`).join('; '),
      r.ms / 1000, r.share, r.cap === null ? '' : exact(r.cap),
    ]),
  }
}

/** One site's history as the page shows it: a row per day and receiver. */
export interface SiteRow { day: DayKey; receiver: string; sent: Amount; unconfirmed: Amount; delivered: Amount | null; ms: number; packets: number }

/** The site history's export: one row per day and receiver, as on screen. */
export function siteTable(rows: readonly SiteRow[]): Table {
  return {
    columns: ['day', 'receiver', 'sent', 'unconfirmed', 'asset', 'delivered', 'delivered_asset', 'seconds', 'packets'],
    rows: rows.map((r) => [
      r.day, r.receiver, exact(r.sent), exact(r.unconfirmed), r.sent.code,
      r.delivered === null ? '' : exact(r.delivered), r.delivered?.code ?? '', r.ms / 1000, r.packets,
    ]),
  }
}
