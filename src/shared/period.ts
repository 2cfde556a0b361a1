/**
 * Calendar arithmetic for the ledger and the budget. Days are the user's local calendar days, as
 * `YYYY-MM-DD` keys: a payment at 23:30 in Auckland counts on that evening's day, whatever UTC says.
 * A budget period runs from one renewal day (inclusive) to the next (exclusive), renewing at local
 * midnight. Calendar math happens on day keys through Date.UTC, so daylight saving never shifts a day.
 */
import type { BudgetSettings } from './settings.ts'

export type DayKey = string

const DAY = /^\d{4}-\d{2}-\d{2}$/
/** A day key that names a real calendar day (not 2026-02-30). */
export const isDayKey = (v: unknown): v is DayKey =>
  typeof v === 'string' && DAY.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v)

const formatters = new Map<string, Intl.DateTimeFormat>()

/** The local calendar day of a wall-clock instant (`timeZone` for tests; the browser's by default). */
export function dayKey(ms: number, timeZone?: string): DayKey {
  const key = timeZone ?? ''
  let f = formatters.get(key)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' })
    formatters.set(key, f)
  }
  const parts = Object.fromEntries(f.formatToParts(ms).map((p) => [p.type, p.value]))
  return `${parts.year ?? ''}-${parts.month ?? ''}-${parts.day ?? ''}`
}

const parse = (day: DayKey): { y: number; m: number; d: number } => {
  const [y = 0, m = 1, d = 1] = day.split('-').map(Number)
  return { y, m, d }
}
const fromUtc = (t: number): DayKey => new Date(t).toISOString().slice(0, 10)
const DAY_MS = 86_400_000
const utcOf = (day: DayKey): number => Date.parse(`${day}T00:00:00Z`)

/** `day` moved by `n` calendar days. */
export const addDays = (day: DayKey, n: number): DayKey => fromUtc(utcOf(day) + n * DAY_MS)
/** Calendar days from `from` to `to` ([from, to): 0 when equal). */
export const daysBetween = (from: DayKey, to: DayKey): number => Math.round((utcOf(to) - utcOf(from)) / DAY_MS)
const daysInMonth = (y: number, m: number): number => new Date(Date.UTC(y, m, 0)).getUTCDate()

/** The renewal day of month `m` (1–12) of year `y`: the chosen day, or the month's last if shorter. */
function renewalIn(y: number, m: number, renewDay: number): DayKey {
  const d = Math.min(renewDay, daysInMonth(y, m))
  return fromUtc(Date.UTC(y, m - 1, d))
}

export interface Period { start: DayKey; end: DayKey }

/** The budget period that contains `day`: [start, end). */
export function periodOf(day: DayKey, budget: Pick<BudgetSettings, 'period' | 'renewDay'>): Period {
  const { y, m, d } = parse(day)
  if (budget.period === 'weekly') {
    const t = Date.UTC(y, m - 1, d)
    const back = (new Date(t).getUTCDay() - budget.renewDay + 7) % 7
    const start = t - back * 86_400_000
    return { start: fromUtc(start), end: fromUtc(start + 7 * 86_400_000) }
  }
  const thisMonth = renewalIn(y, m, budget.renewDay)
  if (day >= thisMonth) {
    const [ny, nm] = m === 12 ? [y + 1, 1] : [y, m + 1]
    return { start: thisMonth, end: renewalIn(ny, nm, budget.renewDay) }
  }
  const [py, pm] = m === 1 ? [y - 1, 12] : [y, m - 1]
  return { start: renewalIn(py, pm, budget.renewDay), end: thisMonth }
}
