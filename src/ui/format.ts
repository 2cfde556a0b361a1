import type { RepairNotice, SettingsView } from '../shared/messages.ts'
import { formatAmount, fromJson, type AmountJson } from '../shared/money.ts'

export const showAmount = (a: AmountJson | null): string => (a === null ? '—' : formatAmount(fromJson(a)))

/** A ledger site for people: the host of an origin; test payments under their own name. */
export function siteLabel(site: string): string {
  if (site === 'trickle:tester') return 'Pointer tests'
  try {
    return new URL(site).host
  } catch {
    return site
  }
}

/** The tester page, pre-filled with a pointer when there is one. */
export const testerUrl = (pointer: string | null, base: (path: string) => string): string =>
  base(`/src/tester/index.html${pointer === null ? '' : `?pointer=${encodeURIComponent(pointer)}`}`)

const plural = (n: number, one: string, many: string): string => (n === 1 ? one : many)

/**
 * The popup's one-line account of what Trickle repaired: per kind of record, how many and what it
 * means for the user (the details are each repair's reason).
 */
export function repairSummary(repairs: readonly RepairNotice[]): string {
  const count = (kind: RepairNotice['kind']): number => repairs.filter((r) => r.kind === kind).length
  const parts: string[] = []
  const rows = count('ledger-row')
  if (rows > 0) {
    parts.push(`${rows} ${plural(rows, 'history row was', 'history rows were')} damaged and set aside; what could be read of ${plural(rows, 'its', 'their')} amounts still counts against your budget`)
  }
  const visits = count('visit')
  if (visits > 0) parts.push(`${visits} ${plural(visits, 'record of an open payment was', 'records of open payments were')} damaged and set aside`)
  if (count('settings') > 0) parts.push('your settings were damaged, and the damaged parts were reset to their defaults')
  return `Trickle repaired damaged records: ${parts.join('; ')}.`
}

/**
 * What the options page says of the uplink. Settings that could not be read (the worker says so, or
 * the request itself failed) are never reported as "no uplink set up": the user's account may well
 * be stored, and they must not be led to set it up again or to think it is lost.
 */
export function uplinkSummary(view: SettingsView | null, requestError: string | null): { text: string; error: boolean } {
  if (view === null) {
    return requestError === null ? { text: 'Loading…', error: false } : { text: `Trickle could not read its settings: ${requestError}`, error: true }
  }
  if (view.readError !== null) return { text: view.readError, error: true }
  return view.uplink === null ? { text: 'No uplink set up yet.', error: false } : { text: `Current uplink: ${view.uplink.display}`, error: false }
}
