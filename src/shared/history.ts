/**
 * What the history page asks the worker, and what it gets: the ledger aggregated, never its raw rows
 * wholesale. Three questions, each answered from an index or a running aggregate kept by the ledger
 * (ledger.ts), so that a year of a thousand sites opens as fast as a week of three:
 *
 * - `get-history-days`: total spending per day over a range (the chart; weeks and months are summed
 *   from days by the page, in the user's calendar);
 * - `get-statement`: each site's totals over a range (the statement, the site list, search and sort);
 * - `get-site-history`: one site's days, per receiver (its own chart and table), with its rules.
 *
 * Amounts are the ledger's: `sent` and `unconfirmed` in the uplink's asset (source), `delivered` in
 * each receiver's asset. A range is [from, to) of local day keys, at most MAX_HISTORY_DAYS long.
 */
import type { AmountJson } from './money.ts'
import type { DayKey } from './period.ts'
import type { SiteSettings } from './settings.ts'

/** The longest range one request covers (ten years and a bit: leap days included). */
export const MAX_HISTORY_DAYS = 3700

export interface HistoryRange { from: DayKey; to: DayKey }

/** One day's spending over all sites, in one source asset. */
export interface DayTotal {
  day: DayKey
  sent: AmountJson
  /** May have left, not confirmed: counts against the budget like `sent`. */
  unconfirmed: AmountJson
  /** Visible time paid for, in milliseconds. */
  ms: number
}

export interface HistoryDays { range: HistoryRange; days: DayTotal[] }

/** One site's totals over a range, in one source asset. */
export interface StatementLine {
  site: string
  sent: AmountJson
  unconfirmed: AmountJson
  /** What arrived, per receiver asset (a site's receivers may be paid in different currencies), at most MAX_LINE_ASSETS. */
  delivered: AmountJson[]
  /** How many receiver assets more arrived than `delivered` lists (a receiver chooses its asset: a hostile site could announce thousands). */
  otherAssets: number
  ms: number
  packets: number
  /** The SPSP endpoints paid for this site, at most MAX_LINE_RECEIVERS. */
  receivers: string[]
  /** How many receivers more were paid than `receivers` lists. */
  otherReceivers: number
}

/** The most receiver assets and receivers a statement line lists; the rest is counted. */
export const MAX_LINE_ASSETS = 16
export const MAX_LINE_RECEIVERS = 64

export interface Statement { range: HistoryRange; lines: StatementLine[] }

/** One day of one site, per receiver and pair of assets: a ledger row as the page sees it. */
export interface SiteDay {
  day: DayKey
  receiver: string
  sent: AmountJson
  unconfirmed: AmountJson
  /** null when the receiver's asset was never learnt (nothing arrived). */
  delivered: AmountJson | null
  ms: number
  packets: number
}

export interface SiteHistory { site: string; range: HistoryRange; rules: SiteSettings; days: SiteDay[] }
