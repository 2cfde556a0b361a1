/** The popup's amounts, dates and rates, in the browser's UI language (Intl in uiLocale()). */
import { uiLocale } from '../shared/i18n.ts'
import { formatAmount, fromJson, parseDecimal, toDecimalString, type Amount, type AmountJson, type Asset } from '../shared/money.ts'

/** An amount for people, exact from bigint. */
export const moneyOf = (a: Amount): string => formatAmount(a, uiLocale())

/** An amount as the worker sends it; a dash while it is not known. */
export const money = (a: AmountJson | null): string => (a === null ? '—' : moneyOf(fromJson(a)))

/** A day key (YYYY-MM-DD) as a date in the user's language. */
export const showDay = (day: string): string =>
  new Intl.DateTimeFormat(uiLocale(), { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${day}T00:00:00Z`))

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
export function exactMoney(a: Amount): string {
  const decimal = toDecimalString(a.value, a.scale)
  if (a.scale > 100) return `${decimal} ${a.code}`
  const options: Intl.NumberFormatOptions = { minimumFractionDigits: Math.min(2, a.scale), maximumFractionDigits: a.scale }
  const exact = decimal as unknown as number // formatted from the string, exactly
  if (/^[A-Z]{3}$/.test(a.code)) {
    try {
      return new Intl.NumberFormat(uiLocale(), { ...options, style: 'currency', currency: a.code }).format(exact)
    } catch {
      // not a currency Intl knows: a plain number with the code after it
    }
  }
  return `${new Intl.NumberFormat(uiLocale(), options).format(exact)} ${a.code}`
}
