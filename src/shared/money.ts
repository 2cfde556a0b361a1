/**
 * Money is a bigint count of the smallest unit of an asset, always carried with its code and scale
 * (USD at scale 9: 1 unit = 10⁻⁹ USD). Floats never touch amounts.
 */
import { isRecord } from './guards.ts'
export interface Asset { code: string; scale: number }
export interface Amount extends Asset { value: bigint }
/** An amount as it crosses a message boundary or lands in storage: bigint becomes a decimal string. */
export interface AmountJson { value: string; code: string; scale: number }

export const toJson = (a: Amount): AmountJson => ({ value: a.value.toString(), code: a.code, scale: a.scale })
export const fromJson = (a: AmountJson): Amount => ({ value: BigInt(a.value), code: a.code, scale: a.scale })

const DECIMAL = /^(\d{1,15})(?:\.(\d{1,18}))?$/

/** A decimal string as `parseDecimal` reads it, with nothing around it ("0.36", "5"): rates, budgets and caps. */
export const isDecimal = (v: unknown): v is string => typeof v === 'string' && DECIMAL.test(v)

/**
 * Parses a non-negative decimal string ("0.36") into units at `scale`, rounding down: digits finer
 * than the asset can express are dropped, never rounded up, so a rate is never exceeded.
 */
export function parseDecimal(text: string, scale: number): bigint | null {
  const m = DECIMAL.exec(text.trim())
  if (m === null || !Number.isInteger(scale) || scale < 0 || scale > 30) return null
  const fraction = (m[2] ?? '').slice(0, scale).padEnd(scale, '0')
  return BigInt(m[1] ?? '0') * 10n ** BigInt(scale) + (fraction === '' ? 0n : BigInt(fraction))
}

/** Units at `scale` as an exact decimal string ("0.000100000" for 100000n at scale 9). */
export function toDecimalString(value: bigint, scale: number): string {
  const negative = value < 0n
  const digits = (negative ? -value : value).toString().padStart(scale + 1, '0')
  const whole = digits.slice(0, digits.length - scale)
  const fraction = digits.slice(digits.length - scale)
  return `${negative ? '-' : ''}${whole}${scale > 0 ? '.' + fraction : ''}`
}

/**
 * Formats an amount for people with Intl.NumberFormat, from its exact decimal string (never through a
 * float). Shows enough fraction digits to make tiny streams visible: at least 2, up to 6 significant.
 */
export function formatAmount(amount: Amount, locale?: string, opts: { exact?: boolean } = {}): string {
  const decimal = toDecimalString(amount.value, amount.scale)
  // `exact`: to the last unit, for figures that must add up as shown (the popup's budget bar).
  const fractionDigits = opts.exact === true ? amount.scale : Math.min(amount.scale, Math.max(2, significantFractionDigits(decimal)))
  const intlDecimal = decimal as unknown as number // Intl.NumberFormat formats decimal strings exactly (ES2023)
  const currency = /^[A-Z]{3}$/.test(amount.code) ? numberFormat(locale, Math.min(2, amount.scale), fractionDigits, amount.code) : null
  if (currency !== null) return currency.format(intlDecimal)
  // Not a currency Intl knows: a plain number with the code after it.
  return `${numberFormat(locale, Math.min(2, amount.scale), fractionDigits, null)?.format(intlDecimal) ?? decimal} ${amount.code}`
}

/** Formatters are costly to make (a statement formats thousands of amounts): one per shape, kept. */
const formats = new Map<string, Intl.NumberFormat | null>()
function numberFormat(locale: string | undefined, min: number, max: number, currency: string | null): Intl.NumberFormat | null {
  const key = `${locale ?? ''} ${min} ${max} ${currency ?? ''}`
  let f = formats.get(key)
  if (f === undefined) {
    try {
      f = new Intl.NumberFormat(locale, { minimumFractionDigits: min, maximumFractionDigits: max, ...(currency === null ? {} : { style: 'currency', currency }) })
    } catch {
      f = null // a code Intl refuses as a currency
    }
    formats.set(key, f)
  }
  return f
}

/** How many fraction digits show the first 4 significant digits of a small amount. */
function significantFractionDigits(decimal: string): number {
  const [, fraction = ''] = decimal.split('.')
  const firstNonZero = fraction.search(/[1-9]/)
  return firstNonZero === -1 ? 2 : firstNonZero + 4
}

/** The same currency at the same scale. */
export const sameAsset = (a: Asset, b: Asset): boolean => a.code === b.code && a.scale === b.scale

/** Whether a value read back from storage is an asset: a currency code and a scale of 0–255. */
export const isAsset = (v: unknown): v is Asset =>
  isRecord(v) && typeof v.code === 'string' && v.code !== '' && v.code.length <= 64 && typeof v.scale === 'number' && Number.isInteger(v.scale) && v.scale >= 0 && v.scale <= 255
