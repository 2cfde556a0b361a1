/**
 * The guards of the worker's replies to Trickle's own pages, one for each message (UiOutputs). A page
 * checks every reply before it uses it: a reply whose shape changed on one side only, or a bug on
 * either side, then shows as a clear error instead of a page that misreads an amount. The bounds are
 * ceilings that catch a runaway reply; they sit well above anything the worker sends, so that no real
 * reply is refused (a refused reply leaves the popup without its controls).
 */
import { CHECK_STEPS } from './check-report.ts'
import {
  anyOf, exact, exactWithOptional, isArrayOf, isBoolean, isBoundedString, isExact, isMatching, isNull, isOneOf, isRecord,
  isRecordOf, isSafeInteger, isString, literal, nullable, type Guard,
} from './guards.ts'
import {
  budgetSettingsWith, isSeenEvent, MAX_TAGS_REPORTED, REPAIR_KINDS, SETTINGS_FILE_MAX, siteSettingsWith, TOP_SITES,
  type UiOutputs,
} from './messages.ts'
import { MAX_LINE_ASSETS, MAX_LINE_RECEIVERS } from './history.ts'
import { EXPORT_PAGE_ROWS } from './ledger-file.ts'
import { isAsset, isDecimal, type AmountJson, type Asset } from './money.ts'
import { isDayKey } from './period.ts'
import { BUDGET_PERIODS, MAX_SITES, siteKey } from './settings.ts'
import { PAY_PHASES, TIMELINE_POINTS } from './status.ts'
import type { SeenEvent } from './wm-channel.ts'

/**
 * Text people read (reasons, details, hosts, URLs echoed back). Some of it comes from outside
 * (a receiver's error, a page's tag), so the worker does not bound it tightly; this only stops a
 * runaway string.
 */
const isText = isBoundedString(65_536)

/**
 * Integer units, as `bigint.toString()` writes them (no sign, no leading zero). The ledger keeps
 * amounts of up to 80 digits, and sums of them stay far below this.
 */
const isUnits = isMatching(/^(0|[1-9]\d*)$/, 128)

/** An asset as the worker itself accepts one (isAsset: a code and a scale of 0–255), nothing more. */
const isAssetOnly: Guard<Asset> = (v: unknown): v is Asset => isAsset(v) && Object.keys(v).length === 2

const isAmountShape = isExact<AmountJson>({ value: isUnits, code: isString, scale: isSafeInteger })
const isAmount: Guard<AmountJson> = (v: unknown): v is AmountJson => isAmountShape(v) && isAsset({ code: v.code, scale: v.scale })

const isTrue = (v: unknown): v is true => v === true

const isUplinkState = anyOf(
  exact({ state: literal('not-configured') }),
  exact({ state: literal('connecting'), host: isText }),
  exact({ state: literal('connected'), host: isText, asset: isAssetOnly, address: isText, at: isSafeInteger }),
  exact({ state: literal('failed'), host: isText, reason: isText, at: isSafeInteger }),
)

/** A site's key as the worker keeps it: an origin that `siteKey` leaves as it is (as reading stored settings demands). */
const isSiteKey = (v: unknown): v is string => {
  if (!isText(v)) return false
  const key = siteKey(v)
  return key.ok && key.value === v
}

/** Settings the worker sends hold decimals it validated, never the free text a page may send it. */
const isSiteRules = siteSettingsWith(isDecimal)

const isSettingsView = exact({
  ratePerHour: isDecimal,
  budget: budgetSettingsWith(isDecimal),
  paused: isBoolean,
  idleMinutes: isSafeInteger,
  sites: isRecordOf(isSiteKey, isSiteRules, MAX_SITES),
  uplink: nullable(exact({ display: isText })),
  uplinkState: isUplinkState,
  readError: nullable(isText),
})

const isTabStatus = anyOf(
  exact({ kind: literal('unavailable') }),
  exact({ kind: literal('not-monetized') }),
  exact({ kind: literal('never') }),
  exact({ kind: literal('invalid'), input: isText, reason: isText }),
  exactWithOptional({
    kind: literal('monetized'),
    phase: isOneOf(PAY_PHASES),
    reason: nullable(isText),
    receiverHost: isText,
    input: isText,
    sent: nullable(isAmount),
    delivered: nullable(isAmount),
    seenAt: isSafeInteger,
    firstPaidAt: nullable(isSafeInteger),
    // Each point is marked once at most.
    timeline: isArrayOf(exact({ point: isOneOf(TIMELINE_POINTS), at: isSafeInteger }), TIMELINE_POINTS.length),
  }, { simulated: isTrue, receivers: isSafeInteger }),
)

/**
 * Unacknowledged repairs: the worker lists every one (a badly damaged ledger can make thousands), so
 * the ceiling is high.
 */
const MAX_REPAIRS = 100_000

const isOverview = exact({
  status: nullable(isTabStatus),
  site: nullable(isText),
  siteRules: nullable(isSiteRules),
  paused: isBoolean,
  asset: nullable(isAssetOnly),
  budget: exact({
    period: exact({ start: isDayKey, end: isDayKey, kind: isOneOf(BUDGET_PERIODS) }),
    amount: nullable(isAmount),
    spent: nullable(isAmount),
    held: nullable(isAmount),
    remaining: nullable(isAmount),
  }),
  siteSpent: nullable(isAmount),
  // Not site keys: the tester's payments count under the pseudo-site `trickle:tester`.
  topSites: isArrayOf(exact({ site: isText, sent: isAmount }), TOP_SITES),
  repairs: isArrayOf(exact({ at: isSafeInteger, kind: isOneOf(REPAIR_KINDS), reason: isText }), MAX_REPAIRS),
})

/** The worker follows 32 frames a tab and keeps its last 200 events; these ceilings leave room above both. */
const MAX_FRAMES = 256
const MAX_EVENTS = 1000

const isFrameEvent = (v: unknown): v is SeenEvent & { frameId: number } => {
  if (!isRecord(v) || !Object.hasOwn(v, 'frameId')) return false
  const { frameId, ...event } = v
  return isSafeInteger(frameId) && isSeenEvent(event)
}

const isTabEventsView = exact({
  frames: isArrayOf(exact({ frameId: isSafeInteger, origin: isText, allowed: isBoolean, reason: isText }), MAX_FRAMES),
  tags: isArrayOf(exact({
    frameId: isSafeInteger,
    kind: isOneOf(['meta', 'link'] as const),
    value: isText,
    verdict: isOneOf(['paid', 'ignored', 'refused'] as const),
    reason: isText,
  }), MAX_FRAMES * MAX_TAGS_REPORTED),
  events: isArrayOf(isFrameEvent, MAX_EVENTS),
})

/** `Date.prototype.toISOString`, as the report's `at` is written. */
const isIsoTime = isMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, 24)
/** The exchange rate seen: a display ratio from `toPrecision(6)` ("1.00000", "2.50000e+21"), not money. */
const isRate = isMatching(/^\d+(\.\d+)?(e[+-]\d+)?$/, 32)

const isCheckReport = exactWithOptional({
  input: isText,
  url: nullable(isText),
  ok: isBoolean,
  failed: nullable(isOneOf(CHECK_STEPS)),
  // Every step once; one may be reported twice (the STREAM step connects, then fails).
  steps: isArrayOf(exactWithOptional({ step: isOneOf(CHECK_STEPS), ok: nullable(isBoolean), ms: isSafeInteger, detail: isText }, { fix: isText }), 2 * CHECK_STEPS.length),
  at: isIsoTime,
}, { payment: exact({ sent: isAmount, delivered: nullable(isAmount), rate: nullable(isRate) }) })

const isHistoryRange = exact({ from: isDayKey, to: isDayKey })
/** At most a row per day of the longest range, per site's receivers and assets: a ceiling, not a count. */
const MAX_HISTORY_ROWS = 4_000_000
/** A ledger row as exported: the ledger's own bounds (ledger-rows.ts checks every row it reads). */
const isExportRow = exact({
  day: isDayKey, site: isText, receiver: isText, source: isAssetOnly, destination: nullable(isAssetOnly),
  sent: isUnits, delivered: isUnits, unconfirmed: isUnits, ms: isSafeInteger, packets: isSafeInteger,
})
const isDayTotal = exact({ day: isDayKey, sent: isAmount, unconfirmed: isAmount, ms: isSafeInteger })
const isStatementLine = exact({
  site: isText, sent: isAmount, unconfirmed: isAmount, delivered: isArrayOf(isAmount, MAX_LINE_ASSETS), otherAssets: isSafeInteger,
  ms: isSafeInteger, packets: isSafeInteger, receivers: isArrayOf(isText, MAX_LINE_RECEIVERS), otherReceivers: isSafeInteger,
})
const isSiteDay = exact({
  day: isDayKey, receiver: isText, sent: isAmount, unconfirmed: isAmount, delivered: nullable(isAmount), ms: isSafeInteger, packets: isSafeInteger,
})

/** Each message's reply guard: a message added to UiOutputs without one does not compile. */
export const uiOutputGuards = {
  'get-tab-status': isTabStatus,
  'get-settings': isSettingsView,
  'save-settings': isSettingsView,
  'forget-uplink': isSettingsView,
  'get-overview': isOverview,
  'set-paused': isSettingsView,
  'set-site': isSettingsView,
  'export-settings': isBoundedString(SETTINGS_FILE_MAX),
  'import-settings': isSettingsView,
  'export-ledger-page': exact({ rows: isArrayOf(isExportRow, EXPORT_PAGE_ROWS), next: nullable(isBoundedString(16_384)) }),
  'get-tab-events': isTabEventsView,
  'check-pointer': isCheckReport,
  'ack-repairs': isNull,
  'get-history-days': exact({ range: isHistoryRange, days: isArrayOf(isDayTotal, MAX_HISTORY_ROWS) }),
  'get-statement': exact({ range: isHistoryRange, lines: isArrayOf(isStatementLine, MAX_HISTORY_ROWS) }),
  'get-site-history': exact({ site: isText, range: isHistoryRange, rules: isSiteRules, days: isArrayOf(isSiteDay, MAX_HISTORY_ROWS) }),
} satisfies { [K in keyof UiOutputs]: Guard<UiOutputs[K]> }
