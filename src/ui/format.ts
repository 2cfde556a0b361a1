import type { RepairNotice, SettingsView } from '../shared/messages.ts'
import { formatAmount, fromJson, type AmountJson } from '../shared/money.ts'
import { t, tn, uiLocale } from '../shared/i18n.ts'

export const showAmount = (a: AmountJson | null): string => (a === null ? '—' : formatAmount(fromJson(a), uiLocale()))

const dateFormats = new Map<string, Intl.DateTimeFormat>()
/** A formatter of calendar days (day keys at UTC midnight, formatted in UTC: no zone can shift them), made once. */
export function dayFormat(options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = JSON.stringify(options)
  let f = dateFormats.get(key)
  if (f === undefined) dateFormats.set(key, f = new Intl.DateTimeFormat(uiLocale(), { ...options, timeZone: 'UTC' }))
  return f
}

/** A day key (YYYY-MM-DD) as a date in the user's language: "12 Mar 2026". */
export const formatDay = (day: string): string => dayFormat({ day: 'numeric', month: 'short', year: 'numeric' }).format(Date.parse(`${day}T00:00:00Z`))

/** A ledger site for people: the host of an origin; test payments under their own name. */
export function siteLabel(site: string): string {
  if (site === 'trickle:tester') return t('common_pointerTests')
  try {
    return new URL(site).host
  } catch {
    return site
  }
}

/** The tester page, pre-filled with a pointer when there is one. */
export const testerUrl = (pointer: string | null, base: (path: string) => string): string =>
  base(`/src/tester/index.html${pointer === null ? '' : `?pointer=${encodeURIComponent(pointer)}`}`)

/**
 * The popup's one-line account of what Trickle repaired: per kind of record, how many and what it
 * means for the user (the details are each repair's reason).
 */
export function repairSummary(repairs: readonly RepairNotice[]): string {
  const count = (kind: RepairNotice['kind']): number => repairs.filter((r) => r.kind === kind).length
  const parts: string[] = []
  const rows = count('ledger-row')
  if (rows > 0) {
    parts.push(tn('common_repairedRows', rows))
  }
  const visits = count('visit')
  if (visits > 0) parts.push(tn('common_repairedVisits', visits))
  if (count('settings') > 0) parts.push(t('common_repairedSettings'))
  return t('common_repaired', parts.join(t('common_clauseSeparator')))
}

/**
 * What the options page says of the uplink. Settings that could not be read (the worker says so, or
 * the request itself failed) are never reported as "no uplink set up": the user's account may well
 * be stored, and they must not be led to set it up again or to think it is lost.
 */
export function uplinkSummary(view: SettingsView | null, requestError: string | null): { text: string; error: boolean } {
  if (view === null) {
    return requestError === null ? { text: t('options_loading'), error: false } : { text: t('options_settingsUnreadable', requestError), error: true }
  }
  if (view.readError !== null) return { text: view.readError, error: true }
  return view.uplink === null ? { text: t('options_noUplink'), error: false } : { text: t('options_currentUplink', view.uplink.display), error: false }
}
