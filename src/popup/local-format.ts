/** The popup's exact amounts, relative days and rates, in the browser's UI language (Intl in uiLocale()). */
import { uiLocale } from '../shared/i18n.ts'
import { formatAmount, parseDecimal, type Amount, type Asset } from '../shared/money.ts'

/** Whole days from the local day of `now` to the day key `day` (calendar days, not 24-hour spans). */
export function daysUntil(day: string, now: Date): number {
  const [y, m, d] = day.split('-').map(Number)
  return Math.round((Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1) - Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())) / 86_400_000)
}

/** "in 12 days", "tomorrow", in the user's language. */
export const relativeDays = (days: number): string => new Intl.RelativeTimeFormat(uiLocale(), { numeric: 'auto' }).format(days, 'day')

/** A decimal rate: as money in the uplink's asset when known, else as a plain number. */
export function showDecimal(decimal: string, asset: Asset | null): string {
  const value = asset === null ? null : parseDecimal(decimal, asset.scale)
  if (asset !== null && value !== null) return formatAmount({ ...asset, value }, uiLocale())
  // Intl formats decimal strings exactly (ES2023): no float on the way.
  return new Intl.NumberFormat(uiLocale(), { maximumFractionDigits: 20 }).format(decimal as unknown as number)
}

/**
 * An amount to its last unit (no rounding to significant digits), for figures that must add up: the
 * budget's spent, in flight and left sum to the budget exactly as shown.
 */
export const exactMoney = (a: Amount): string => formatAmount(a, uiLocale(), { exact: true })
