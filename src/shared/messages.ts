/**
 * The one typed protocol between Trickle's contexts. One map per direction; every envelope is checked at
 * run time by a guard before it is handled, and its sender is checked by the receiving side.
 */
import {
  anyOf, exact, isArrayOf, isBoolean, isBoundedString, isExact, isNull, isOneOf, isRecord, isSafeInteger, isUuid, literal, nullable,
  type Guard, type GuardType,
} from './guards.ts'
import type { CheckReport } from './check-report.ts'
import type { HistoryDays, SiteHistory, Statement } from './history.ts'
import { isDayKey } from './period.ts'
import { SEEN_TYPES, type SeenEvent } from './wm-channel.ts'
import { isAsset, type AmountJson, type Asset } from './money.ts'
import { BUDGET_PERIODS, type BudgetPeriod, type BudgetSettings, type PublicSettings, type SiteSettings } from './settings.ts'
import type { Result } from './result.ts'
import type { ExportRow } from './ledger-file.ts'
import type { TabStatus, UplinkState } from './status.ts'

/** Content scripts hold a long-lived port to the worker: its disconnect tells each side the other is gone. */
export const PAGE_PORT_NAME = 'trickle/page'
/**
 * A page with no tag and no frame to vouch for never connects (its content script tells the worker
 * nothing of the pages a person reads that are not monetized). When the popup asks about such a tab,
 * the worker asks its top frame this instead, and the content script answers PRESENCE_REPLY: "I am
 * here, with no tag".
 */
export const PRESENCE_PING = 'trickle/present?'
export const PRESENCE_REPLY = 'trickle/present'
/** The popup holds one while open: its focus must not pause the page it describes. */
export const POPUP_PORT_NAME = 'trickle/popup'
/** The port other extension pages (options, event view) hold to be told when something changed. */
export const PAGE_WATCH_PORT_NAME = 'trickle/watch'
/** What the worker tells a watching page: ask again, something changed. */
export interface ChangedNotice { type: 'changed' }
export const isChangedNotice = (v: unknown): v is ChangedNotice => isRecord(v) && Object.keys(v).length === 1 && v.type === 'changed'

export const MAX_TAGS_REPORTED = 64
/** Iframes one frame may vouch for. */
export const MAX_GRANTS = 16

const isTag = exact({
  kind: isOneOf(['meta', 'link'] as const),
  /** The attribute as written (meta `content`, link `href` attribute, not the resolved property). */
  value: isBoundedString(4096),
  /** Wall-clock ms when this tag (with this value) was first seen. */
  seenAt: isSafeInteger,
})
export type TagReport = GuardType<typeof isTag>

/** The whole state of a page, sent again on every change: idempotent, so a restarted worker loses nothing. */
const isSnapshot = exact({
  /** Random per page load; lets a restarted worker recognise a visit it was paying. */
  visitId: isUuid,
  tags: isArrayOf(isTag, MAX_TAGS_REPORTED),
  visible: isBoolean,
  /** The page's <meta http-equiv="Content-Security-Policy"> policies (monetization-src is checked). */
  csp: isArrayOf(isBoundedString(4096), 8),
  /** Nonces this frame gave the iframes it allows (same origin, or `allow` granting monetization). */
  grants: isArrayOf(isUuid, MAX_GRANTS),
  /** The nonce this frame's parent gave it, if any; the top frame needs none. */
  grant: nullable(isUuid),
})
export type PageSnapshot = GuardType<typeof isSnapshot>

/** The message a frame's content script posts to an iframe it allows. */
export const isFrameGrant = exact({ trickleGrant: isUuid })
export type FrameGrant = GuardType<typeof isFrameGrant>

const isField = (v: unknown): v is string | number | boolean | null =>
  v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 4096)
export const isSeenEvent = (v: unknown): v is SeenEvent =>
  isRecord(v) && Object.keys(v).length === 3 && isSafeInteger(v.at) && isOneOf(SEEN_TYPES)(v.type) &&
  isRecord(v.fields) && Object.keys(v.fields).length <= 16 && Object.entries(v.fields).every(([k, f]) => k.length <= 64 && isField(f))

/** Content script → worker, over the page's port: each message's guard, and so its type. */
const contentGuards = { 'page-state': isSnapshot, 'wm-event': isSeenEvent }
export type ContentToBackground = { [K in keyof typeof contentGuards]: GuardType<(typeof contentGuards)[K]> }

export type ContentEnvelope = { [K in keyof ContentToBackground]: { type: K; input: ContentToBackground[K] } }[keyof ContentToBackground]
export const isContentEnvelope = (v: unknown): v is ContentEnvelope =>
  isRecord(v) && Object.keys(v).length === 2 && typeof v.type === 'string' && Object.hasOwn(contentGuards, v.type) &&
  (contentGuards[v.type as keyof typeof contentGuards] as Guard<unknown>)(v.input)

/** Which tag an event is about: the worker names it as the page wrote it. */
const isTagRef = exact({ kind: isOneOf(['meta', 'link'] as const), value: isBoundedString(4096) })
export type TagRef = GuardType<typeof isTagRef>

const isAmountJson: Guard<AmountJson> = isExact<AmountJson>({
  value: (v): v is string => typeof v === 'string' && /^\d{1,40}$/.test(v),
  // The worker's own rule for an asset (isAsset), so nothing it shows in the popup is dropped here.
  code: (v): v is string => isAsset({ code: v, scale: 0 }),
  scale: (v): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255,
})

/**
 * What the worker tells a page about its payment, turned into Web Monetization events by the content
 * script and the page script. Amounts are integer strings with their asset.
 */
const isPaymentEvent = anyOf(
  exact({ event: literal('pending'), tag: isTagRef }),
  exact({ event: literal('resolved'), tag: isTagRef, paymentPointer: isBoundedString(4096) }),
  exact({ event: literal('failed'), tag: isTagRef, reason: isBoundedString(1000) }),
  exact({ event: literal('paid'), tag: isTagRef, paymentPointer: isBoundedString(4096), sent: isAmountJson, received: nullable(isAmountJson) }),
  exact({ event: literal('paused'), tag: isTagRef }),
)
export type PaymentEvent = GuardType<typeof isPaymentEvent>

/** Worker → content script, over the page's port. */
const backgroundGuards = { 'payment-event': isPaymentEvent }
export type BackgroundToContent = { [K in keyof typeof backgroundGuards]: GuardType<(typeof backgroundGuards)[K]> }

export type BackgroundEnvelope = { [K in keyof BackgroundToContent]: { type: K; input: BackgroundToContent[K] } }[keyof BackgroundToContent]
export const isBackgroundEnvelope = (v: unknown): v is BackgroundEnvelope =>
  isRecord(v) && Object.keys(v).length === 2 && typeof v.type === 'string' && Object.hasOwn(backgroundGuards, v.type) &&
  (backgroundGuards[v.type as keyof typeof backgroundGuards] as Guard<unknown>)(v.input)

/** Settings as extension pages see them, with the uplink's live state. */
export interface SettingsView extends PublicSettings {
  uplinkState: UplinkState
  /**
   * Set when storage could not be read ("Trickle could not read its settings: …"): the rest of the
   * view is then the defaults the worker runs on, not what is stored, and `uplink: null` means
   * "unknown", never "none set up".
   */
  readError: string | null
}


/** How many sites the popup lists, most paid first. */
export const TOP_SITES = 5

/** One site's spending this period, in the uplink's asset. */
export interface SiteTotal { site: string; sent: AmountJson }

/** What the popup shows: the budget at a glance, this period's sites, and the current tab. */
export interface Overview {
  status: TabStatus | null
  /** The current tab's site (origin), if it is a web page. */
  site: string | null
  siteRules: SiteSettings | null
  paused: boolean
  /** null until the uplink's asset is known (after its first connection). */
  asset: Asset | null
  budget: {
    period: { start: string; end: string; kind: BudgetPeriod }
    amount: AmountJson | null
    spent: AmountJson | null
    /** Authorised and not yet confirmed (money in flight), already counted in `spent`'s remaining. */
    held: AmountJson | null
    remaining: AmountJson | null
  }
  siteSpent: AmountJson | null
  topSites: SiteTotal[]
  /** Damaged records Trickle set aside and the user has not been told of yet (oldest first). */
  repairs: RepairNotice[]
}

export const REPAIR_KINDS = ['ledger-row', 'visit', 'settings'] as const
export type RepairKind = (typeof REPAIR_KINDS)[number]
/** One damaged record set aside; `reason` names what was wrong, never a stored value. */
export interface RepairNotice { at: number; kind: RepairKind; reason: string }

export type { LedgerFormat } from './ledger-file.ts'

export interface TabEventsView {
  frames: { frameId: number; origin: string; allowed: boolean; reason: string }[]
  tags: { frameId: number; kind: 'meta' | 'link'; value: string; verdict: 'paid' | 'ignored' | 'refused'; reason: string }[]
  events: (SeenEvent & { frameId: number })[]
}

/** What the worker answers each message from Trickle's own pages (the inputs are the guards below). */
export interface UiOutputs {
  'get-tab-status': TabStatus
  'get-settings': SettingsView
  'save-settings': SettingsView
  'forget-uplink': SettingsView
  'get-overview': Overview
  'set-paused': SettingsView
  'set-site': SettingsView
  'export-settings': string
  'import-settings': SettingsView
  /** One page of the ledger's export (ledger-file.ts builds the file in the page). */
  'export-ledger-page': { rows: ExportRow[]; next: string | null }
  'get-tab-events': TabEventsView
  'check-pointer': CheckReport
  'ack-repairs': null
  'get-history-days': HistoryDays
  'get-statement': Statement
  'get-site-history': SiteHistory
}

/**
 * The settings' shapes, given the guard of their decimal strings. A page's request carries any short
 * text there, which the worker validates so that it can say what is wrong; the worker's replies carry
 * only decimals it validated.
 */
export const budgetSettingsWith = (decimal: Guard<string>): Guard<BudgetSettings> => isExact<BudgetSettings>({
  amount: decimal, period: isOneOf(BUDGET_PERIODS), renewDay: isSafeInteger,
})
export const siteSettingsWith = (decimal: Guard<string>): Guard<SiteSettings> => isExact<SiteSettings>({
  ratePerHour: nullable(decimal),
  cap: nullable(decimal),
  paused: isBoolean,
  never: isBoolean,
  simulate: isBoolean,
})

/** The longest settings file Trickle reads (and so the longest it writes: an export can be imported). */
export const SETTINGS_FILE_MAX = 1_000_000

const isDecimalText = isBoundedString(64)
const isBudgetSettings = budgetSettingsWith(isDecimalText)
const isSiteSettings = siteSettingsWith(isDecimalText)

const isSettingsInput = exact({
  /** null keeps the stored uplink (pages never see it, so they cannot send it back). */
  uplinkUrl: nullable(isBoundedString(4096)), // an HTTP uplink's token and address ride in it
  ratePerHour: isDecimalText,
  budget: isBudgetSettings,
  idleMinutes: isSafeInteger,
})
export type SettingsInput = GuardType<typeof isSettingsInput>

const isHistoryRange = exact({ from: isDayKey, to: isDayKey })

/** Each message from Trickle's own pages: the guard of its input, and so the input's type. */
export const uiInputGuards = {
  'get-tab-status': exact({ tabId: isSafeInteger }),
  'get-settings': isNull,
  'save-settings': isSettingsInput,
  'forget-uplink': isNull,
  'get-overview': exact({ tabId: nullable(isSafeInteger) }),
  'set-paused': exact({ paused: isBoolean }),
  /** Replaces one site's rules; all defaults removes the site's entry. */
  'set-site': exact({ site: isBoundedString(2048), rules: isSiteSettings }),
  'export-settings': isNull,
  'import-settings': exact({ text: isBoundedString(SETTINGS_FILE_MAX) }),
  /** The rows after key `after` (null: the first page); the reply's `next` is the next page's `after`. */
  'export-ledger-page': exact({ after: nullable(isBoundedString(16_384)) }),
  /** The event view: a tab's frames and tags with their verdicts, and the events its pages received. */
  'get-tab-events': exact({ tabId: isSafeInteger }),
  /** Runs the pointer tester; `pay`: through the uplink, `amount` (null: one second at the current rate). */
  'check-pointer': exact({ pointer: isBoundedString(4096), pay: isBoolean, amount: nullable(isDecimalText) }),
  /** The user dismissed the repairs notice: repairs up to `upTo` (the newest `at` shown) are not listed again. */
  'ack-repairs': exact({ upTo: isSafeInteger }),
  /** The history page (shared/history.ts): ranges of local days, [from, to); the worker checks their length. */
  'get-history-days': isHistoryRange,
  'get-statement': isHistoryRange,
  'get-site-history': exact({ site: isBoundedString(2048), from: isDayKey, to: isDayKey }),
} satisfies { [K in keyof UiOutputs]: Guard<unknown> }

/** Messages from Trickle's own pages to the worker: inputs from their guards, outputs declared above. */
export type UiToBackground = { [K in keyof UiOutputs]: { input: GuardType<(typeof uiInputGuards)[K]>; output: UiOutputs[K] } }

export type UiEnvelope = { [K in keyof UiToBackground]: { to: 'trickle-worker'; type: K; input: UiToBackground[K]['input'] } }[keyof UiToBackground]

export function isUiEnvelope(v: unknown): v is UiEnvelope {
  if (!isRecord(v) || v.to !== 'trickle-worker' || typeof v.type !== 'string' || Object.keys(v).length !== 3) return false
  if (!Object.hasOwn(uiInputGuards, v.type)) return false
  const guard = uiInputGuards[v.type as keyof UiToBackground] as Guard<unknown>
  return guard(v.input)
}

export type UiReply<K extends keyof UiToBackground> = Result<UiToBackground[K]['output']>
