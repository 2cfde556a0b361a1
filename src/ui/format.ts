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
