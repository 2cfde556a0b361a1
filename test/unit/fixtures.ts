// Plain data the unit tests build again and again: ids, page snapshots, site rules, ledger entries,
// SPSP answers and the extension's own identity. Each builder gives one ordinary value and takes the
// fields a test cares about as overrides, so a test shows only what makes its case different.
import type { LedgerEntry } from '../../src/background/ledger/ledger.ts'
import type { SpspAnswer } from '../../src/background/payment/spsp.ts'
import type { PageSnapshot, TagReport } from '../../src/shared/messages.ts'
import type { SiteSettings } from '../../src/shared/settings.ts'

/** The sandbox uplink's asset, and the coarser one its fake receivers are paid in. */
export const USD9 = { code: 'USD', scale: 9 }
export const USD6 = { code: 'USD', scale: 6 }

/**
 * The `n`th visit id: a valid version 4 UUID (the content script's guard checks the form), the same
 * for the same `n` and different for different ones.
 */
export function visitId(n = 0): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`
}

/** The `n`th frame grant, also a valid UUID, and never equal to any visit id. */
export function grantId(n = 0): string {
  return `00000000-0000-4000-9000-${n.toString(16).padStart(12, '0')}`
}

/** A `<link rel="monetization">` tag as the content script reports it, first seen at `seenAt`. */
export function link(href: string, seenAt = 0): TagReport {
  return { kind: 'link', value: href, seenAt }
}

/** A `<meta name="monetization">` tag as the content script reports it, first seen at `seenAt`. */
export function meta(content: string, seenAt = 0): TagReport {
  return { kind: 'meta', value: content, seenAt }
}

/** One link tag for each of `hrefs`, all first seen at 0. */
export function links(...hrefs: string[]): TagReport[] {
  return hrefs.map((href) => link(href))
}

/** The receiver most tests pay: any https URL does, the fake SPSP server answers for all of them. */
export const PAY = 'https://r.example/pay'

/**
 * A page's snapshot: the top frame of visit 0, shown, linking `PAY`, with no CSP and no frame
 * grants. Fields in `over` replace these (`tags: []` for a page that links nothing).
 */
export function snapshot(over: Partial<PageSnapshot> = {}): PageSnapshot {
  return { visitId: visitId(0), tags: [link(PAY)], visible: true, csp: [], grants: [], grant: null, ...over }
}

/**
 * A site's rules, none set unless `over` sets them. Written out here rather than taken from the
 * product's defaults, so that a change of default shows up as a failing test, not a silent change
 * of what the tests check.
 */
export function siteRules(over: Partial<SiteSettings> = {}): SiteSettings {
  return { ratePerHour: null, cap: null, paused: false, never: false, simulate: false, ...over }
}

/**
 * One payment as the ledger records it: 0.0001 USD sent from scale 9 and 100 units delivered at
 * scale 6, to alice's wallet from news.example, in one packet over a second.
 */
export function entry(over: Partial<LedgerEntry> = {}): LedgerEntry {
  return {
    at: Date.UTC(2026, 10, 22, 12), site: 'https://news.example', receiver: 'https://wallet.example/alice', source: USD9, destination: USD6,
    sent: 100_000n, delivered: 100n, unconfirmed: 0n, ms: 1000, packets: 1, ...over,
  }
}

/** A ledger row's key: its local day, site, receiver, and both assets (USD/9 is sent from). */
export function rowKey(day: string, site: string, receiver: string, destination = 'USD/6'): string {
  return JSON.stringify([day, site, receiver, 'USD/9', destination])
}

/**
 * A ledger row as the first build stored it (no `v`): news.example paid alice 1000 units on
 * 2026-11-22. Untyped, so that a test can store what a damaged database might hold.
 */
export function firstSchemaRow(over: Record<string, unknown> = {}): Record<string, unknown> {
  const day = '2026-11-22', site = 'https://news.example', receiver = 'https://wallet.example/alice'
  return {
    id: rowKey(day, site, receiver), day, site, receiver, source: USD9, destination: USD6,
    sent: '1000', delivered: '1', unconfirmed: '0', ms: 10, packets: 1, ...over,
  }
}

/** What a receiver's SPSP server answers for `url` when all is well (an all-zero secret will do). */
export function spspAnswer(url: string, over: Partial<SpspAnswer> = {}): SpspAnswer {
  return { destinationAccount: 'test.x.y', sharedSecret: new Uint8Array(32), finalUrl: url, status: 200, contentType: 'application/spsp4+json', cacheControl: null, ...over }
}

/** The extension's id and origin, as the worker's sender checks see them. */
export const EXTENSION_ID = 'abcdefghijklmnopabcdefghijklmnop'
export const EXTENSION_ORIGIN = `chrome-extension://${EXTENSION_ID}`

/** The sender of a message from one of Trickle's own pages (`popup`, `options`, `tester` …). */
export function extensionPage(name: string): { id: string; url: string } {
  return { id: EXTENSION_ID, url: `${EXTENSION_ORIGIN}/src/${name}/index.html` }
}

/** The history part of a ledger with nothing in it (for UI handler tests that do not read history). */
export const emptyHistory = {
  dayTotals: async () => [],
  statement: async (range: { from: string; to: string }) => ({ range, lines: [] }),
  siteDays: async () => [],
}
