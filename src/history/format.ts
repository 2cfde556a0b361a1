/** The history page's formatting: dates of day keys, money and durations, all in the UI's locale. */
import { formatAmount, type Amount } from '../shared/money.ts'
import { uiLocale } from '../shared/i18n.ts'
import { addDays, type DayKey } from '../shared/period.ts'
import { dayFormat, formatDay } from '../ui/format.ts'
import type { Granularity } from './aggregate.ts'

const dates = dayFormat
const at = (day: DayKey): number => Date.parse(`${day}T00:00:00Z`)

/** A range of days [from, to), as the inclusive range people read: "1–31 Mar 2026". */
export const formatRange = (from: DayKey, to: DayKey): string => {
  const last = addDays(to, -1)
  return last === from ? formatDay(from) : dates({ day: 'numeric', month: 'short', year: 'numeric' }).formatRange(at(from), at(last))
}

/** A chart bucket's label: a day, a week's first day, or a month. */
export function formatBucket(start: DayKey, end: DayKey, granularity: Granularity): string {
  if (granularity === 'month') return dates({ month: 'short', year: 'numeric' }).format(at(start))
  if (granularity === 'week') return formatRange(start, end)
  return dates({ day: 'numeric', month: 'short' }).format(at(start))
}

export const money = (a: Amount): string => formatAmount(a, uiLocale())

type DurationFormat = new (locale: string, options: { style: string }) => { format(d: Record<string, number>): string }

/** Formatters are costly to make and a statement formats hundreds of figures: one of each, kept. */
let durations: { format(d: Record<string, number>): string } | null | undefined
const units = new Map<string, Intl.NumberFormat>()
let percents: Intl.NumberFormat | undefined

/** A duration: "1 hr, 5 min, 3 sec" (Intl.DurationFormat where the browser has it). */
export function formatDuration(ms: number): string {
  const total = Math.round(ms / 1000)
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = total % 60
  if (durations === undefined) {
    const DF = (Intl as unknown as { DurationFormat?: DurationFormat }).DurationFormat
    durations = DF === undefined ? null : new DF(uiLocale(), { style: 'short' })
  }
  if (durations !== null) return durations.format(total === 0 ? { seconds: 0 } : { hours, minutes, seconds })
  const unit = (n: number, u: string): string => {
    let f = units.get(u)
    if (f === undefined) units.set(u, f = new Intl.NumberFormat(uiLocale(), { style: 'unit', unit: u, unitDisplay: 'short' }))
    return f.format(n)
  }
  return [hours > 0 ? unit(hours, 'hour') : '', minutes > 0 ? unit(minutes, 'minute') : '', seconds > 0 || total === 0 ? unit(seconds, 'second') : ''].filter((s) => s !== '').join(' ')
}

export const formatPercent = (p: number): string => (percents ??= new Intl.NumberFormat(uiLocale(), { maximumFractionDigits: 1 })).format(p)
