/**
 * When will the budget run out at this period's pace? The pace is what the period has spent so far
 * (sent and unconfirmed, as the budget counts it) over the time elapsed since the period began at
 * local midnight, to the millisecond; the budget runs out on the local day the same pace would reach
 * it. Amounts are bigint throughout; time is whole milliseconds (bigint in the division).
 *
 * Day keys are the ledger's: local calendar days in the user's time zone (`timeZone` for tests, the
 * browser's by default), so "today" and "how far into today" are read in that zone.
 */
import { addDays, dayKey, daysBetween, periodOf, type DayKey, type Period } from './period.ts'
import type { BudgetSettings } from './settings.ts'

const DAY_MS = 86_400_000

export type Forecast =
  /** Nothing spent yet this period: no pace to go by. */
  | { kind: 'no-spending'; period: Period }
  /** At this pace the budget still has room at the period's end. */
  | { kind: 'lasts'; period: Period }
  /** At this pace the budget runs out on `day` (a day of this period, today at the earliest). */
  | { kind: 'runs-out'; period: Period; day: DayKey }
  /** Already spent: on `day`, the day the period's spending reached the budget (today if unknown). */
  | { kind: 'exhausted'; period: Period; day: DayKey }

export interface ForecastInput {
  /** Wall-clock now, ms since the epoch. */
  now: number
  timeZone?: string
  budget: Pick<BudgetSettings, 'period' | 'renewDay'>
  /** The budget amount, in units of the source asset. */
  amount: bigint
  /** The period's spending per local day (sent + unconfirmed), in the same units; any order. */
  days: readonly { day: DayKey; spent: bigint }[]
}

const partFormatters = new Map<string, Intl.DateTimeFormat>()
/** How far into its local day `ms` is, in ms (in `timeZone`, or the browser's zone). */
export function msIntoDay(ms: number, timeZone?: string): number {
  const key = timeZone ?? ''
  let f = partFormatters.get(key)
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
    partFormatters.set(key, f)
  }
  const p = Object.fromEntries(f.formatToParts(ms).map((x) => [x.type, Number(x.value)]))
  return (((p.hour ?? 0) * 60 + (p.minute ?? 0)) * 60 + (p.second ?? 0)) * 1000 + (((ms % 1000) + 1000) % 1000)
}

export function forecast(input: ForecastInput): Forecast {
  const today = dayKey(input.now, input.timeZone)
  const period = periodOf(today, input.budget)
  const inPeriod = input.days.filter((d) => d.day >= period.start && d.day <= today).sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0))
  const spent = inPeriod.reduce((s, d) => s + d.spent, 0n)
  if (spent >= input.amount && (spent > 0n || input.amount === 0n)) {
    let running = 0n
    for (const d of inPeriod) {
      running += d.spent
      if (running >= input.amount) return { kind: 'exhausted', period, day: d.day }
    }
    return { kind: 'exhausted', period, day: today }
  }
  if (spent === 0n) return { kind: 'no-spending', period }
  // Elapsed: whole local days before today (by the calendar, so a daylight-saving day counts as
  // one), plus the time into today. At least 1 ms, so that a payment at midnight has a pace.
  const daysBefore = daysBetween(period.start, today)
  const elapsed = BigInt(Math.max(1, daysBefore * DAY_MS + msIntoDay(input.now, input.timeZone)))
  // The instant the pace reaches the amount: elapsed × amount / spent after the period's start.
  const at = (elapsed * input.amount) / spent
  const day = addDays(period.start, Number(at / BigInt(DAY_MS)))
  return day >= period.end ? { kind: 'lasts', period } : { kind: 'runs-out', period, day }
}
