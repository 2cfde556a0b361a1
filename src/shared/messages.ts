/**
 * The one typed protocol between Trickle's contexts. One map per direction; every envelope is checked at
 * run time by a guard before it is handled, and its sender is checked by the receiving side.
 */
import {
  isArrayOf, isBoolean, isBoundedString, isExact, isNull, isOneOf, isRecord, isSafeInteger, isString, isUuid, type Guard,
} from './guards.ts'
import type { CheckReport } from './check-report.ts'
import { SEEN_TYPES, type SeenEvent } from './wm-channel.ts'
import type { AmountJson, Asset } from './money.ts'
import type { BudgetPeriod, BudgetSettings, PublicSettings, SiteSettings } from './settings.ts'
import type { Result } from './result.ts'
import type { TabStatus, UplinkState } from './status.ts'

/** Content scripts hold a long-lived port to the worker: its disconnect tells each side the other is gone. */
export const PAGE_PORT_NAME = 'trickle/page'
/** The popup holds one while open: its focus must not pause the page it describes. */
export const POPUP_PORT_NAME = 'trickle/popup'
/** The port other extension pages (options, event view) hold to be told when something changed. */
export const PAGE_WATCH_PORT_NAME = 'trickle/watch'
/** What the worker tells a watching page: ask again, something changed. */
export interface ChangedNotice { type: 'changed' }
export const isChangedNotice = (v: unknown): v is ChangedNotice => isRecord(v) && Object.keys(v).length === 1 && v.type === 'changed'

export interface TagReport {
  kind: 'meta' | 'link'
  /** The attribute as written (meta `content`, link `href` attribute, not the resolved property). */
  value: string
  /** Wall-clock ms when this tag (with this value) was first seen. */
  seenAt: number
}

/** The whole state of a page, sent again on every change: idempotent, so a restarted worker loses nothing. */
export interface PageSnapshot {
  /** Random per page load; lets a restarted worker recognise a visit it was paying. */
  visitId: string
  tags: TagReport[]
  visible: boolean
  /** The page's <meta http-equiv="Content-Security-Policy"> policies (monetization-src is checked). */
  csp: string[]
  /** Nonces this frame gave the iframes it allows (same origin, or `allow` granting monetization). */
  grants: string[]
  /** The nonce this frame's parent gave it, if any; the top frame needs none. */
  grant: string | null
}

export interface ContentToBackground { 'page-state': PageSnapshot; 'wm-event': SeenEvent }

export const MAX_TAGS_REPORTED = 64
/** Iframes one frame may vouch for. */
export const MAX_GRANTS = 16
/** The message a frame's content script posts to an iframe it allows. */
export interface FrameGrant { trickleGrant: string }
export const isFrameGrant = (v: unknown): v is FrameGrant => isRecord(v) && Object.keys(v).length === 1 && isUuid(v.trickleGrant)
const isTag: Guard<TagReport> = isExact<TagReport>({
  kind: isOneOf(['meta', 'link'] as const),
  value: isBoundedString(4096),
  seenAt: isSafeInteger,
})
const isSnapshot: Guard<PageSnapshot> = isExact<PageSnapshot>({
  visitId: isUuid,
  tags: isArrayOf(isTag, MAX_TAGS_REPORTED),
  visible: isBoolean,
  csp: isArrayOf(isBoundedString(4096), 8),
  grants: isArrayOf(isUuid, MAX_GRANTS),
  grant: (v): v is string | null => v === null || isUuid(v),
})

export type ContentEnvelope = { [K in keyof ContentToBackground]: { type: K; input: ContentToBackground[K] } }[keyof ContentToBackground]
const isField = (v: unknown): v is string | number | boolean | null =>
  v === null || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 4096)
const isSeenEvent = (v: unknown): v is SeenEvent =>
  isRecord(v) && Object.keys(v).length === 3 && isSafeInteger(v.at) && isOneOf(SEEN_TYPES)(v.type) &&
  isRecord(v.fields) && Object.keys(v.fields).length <= 16 && Object.entries(v.fields).every(([k, f]) => k.length <= 64 && isField(f))
export const isContentEnvelope = (v: unknown): v is ContentEnvelope =>
  isRecord(v) && Object.keys(v).length === 2 &&
  ((v.type === 'page-state' && isSnapshot(v.input)) || (v.type === 'wm-event' && isSeenEvent(v.input)))

/** Which tag an event is about: the worker names it as the page wrote it. */
export interface TagRef { kind: 'meta' | 'link'; value: string }

/**
 * What the worker tells a page about its payment, turned into Web Monetization events by the content
 * script and the page script. Amounts are integer strings with their asset.
 */
export type PaymentEvent =
  | { event: 'pending'; tag: TagRef }
  | { event: 'resolved'; tag: TagRef; paymentPointer: string }
  | { event: 'failed'; tag: TagRef; reason: string }
  | { event: 'paid'; tag: TagRef; paymentPointer: string; sent: AmountJson; received: AmountJson | null }
  | { event: 'paused'; tag: TagRef }

export interface BackgroundToContent { 'payment-event': PaymentEvent }

const isTagRef: Guard<TagRef> = isExact<TagRef>({ kind: isOneOf(['meta', 'link'] as const), value: isBoundedString(4096) })
const isAmountJson: Guard<AmountJson> = isExact<AmountJson>({
  value: (v): v is string => typeof v === 'string' && /^\d{1,40}$/.test(v),
  code: isBoundedString(16),
  scale: (v): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 255,
})
const isPaymentEvent = (v: unknown): v is PaymentEvent => {
  if (!isRecord(v)) return false
  switch (v.event) {
    case 'pending':
    case 'paused':
      return isExact<{ event: string; tag: TagRef }>({ event: isString, tag: isTagRef })(v)
    case 'resolved':
      return isExact<{ event: string; tag: TagRef; paymentPointer: string }>({ event: isString, tag: isTagRef, paymentPointer: isBoundedString(4096) })(v)
    case 'failed':
      return isExact<{ event: string; tag: TagRef; reason: string }>({ event: isString, tag: isTagRef, reason: isBoundedString(1000) })(v)
    case 'paid':
      return isExact<{ event: string; tag: TagRef; paymentPointer: string; sent: AmountJson; received: AmountJson | null }>({
        event: isString, tag: isTagRef, paymentPointer: isBoundedString(4096), sent: isAmountJson,
        received: (r): r is AmountJson | null => r === null || isAmountJson(r),
      })(v)
    default:
      return false
  }
}

export type BackgroundEnvelope = { type: 'payment-event'; input: PaymentEvent }
export const isBackgroundEnvelope = (v: unknown): v is BackgroundEnvelope =>
  isRecord(v) && v.type === 'payment-event' && isPaymentEvent(v.input) && Object.keys(v).length === 2

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

export interface SettingsInput { uplinkUrl: string | null; ratePerHour: string; budget: BudgetSettings; idleMinutes: number }

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

export type RepairKind = 'ledger-row' | 'visit' | 'settings'
/** One damaged record set aside; `reason` names what was wrong, never a stored value. */
export interface RepairNotice { at: number; kind: RepairKind; reason: string }

export type LedgerFormat = 'csv' | 'json'

export interface TabEventsView {
  frames: { frameId: number; origin: string; allowed: boolean; reason: string }[]
  tags: { frameId: number; kind: 'meta' | 'link'; value: string; verdict: 'paid' | 'ignored' | 'refused'; reason: string }[]
  events: (SeenEvent & { frameId: number })[]
}

/** Messages from Trickle's own pages (popup, options) to the worker. */
export interface UiToBackground {
  'get-tab-status': { input: { tabId: number }; output: TabStatus }
  'get-settings': { input: null; output: SettingsView }
  /** `uplinkUrl: null` keeps the stored uplink (pages never see it, so they cannot send it back). */
  'save-settings': { input: SettingsInput; output: SettingsView }
  'forget-uplink': { input: null; output: SettingsView }
  'get-overview': { input: { tabId: number | null }; output: Overview }
  'set-paused': { input: { paused: boolean }; output: SettingsView }
  /** Replaces one site's rules; all defaults removes the site's entry. */
  'set-site': { input: { site: string; rules: SiteSettings }; output: SettingsView }
  'export-settings': { input: null; output: string }
  'import-settings': { input: { text: string }; output: SettingsView }
  'export-ledger': { input: { format: LedgerFormat }; output: string }
  /** The event view: a tab's frames and tags with their verdicts, and the events its pages received. */
  'get-tab-events': { input: { tabId: number }; output: TabEventsView }
  /** Runs the pointer tester; `pay`: through the uplink, `amount` (null: one second at the current rate). */
  'check-pointer': { input: { pointer: string; pay: boolean; amount: string | null }; output: CheckReport }
  /** The user dismissed the repairs notice: repairs up to `upTo` (the newest `at` shown) are not listed again. */
  'ack-repairs': { input: { upTo: number }; output: null }
}

const isDecimalText = isBoundedString(64)
const isBudgetSettings: Guard<BudgetSettings> = isExact<BudgetSettings>({
  amount: isDecimalText, period: isOneOf(['monthly', 'weekly'] as const), renewDay: isSafeInteger,
})
const isSiteSettings: Guard<SiteSettings> = isExact<SiteSettings>({
  ratePerHour: (v): v is string | null => v === null || isDecimalText(v),
  cap: (v): v is string | null => v === null || isDecimalText(v),
  paused: isBoolean,
  never: isBoolean,
  simulate: isBoolean,
})

export const uiInputGuards: { [K in keyof UiToBackground]: Guard<UiToBackground[K]['input']> } = {
  'get-tab-status': isExact<{ tabId: number }>({ tabId: isSafeInteger }),
  'get-settings': isNull,
  'save-settings': isExact<SettingsInput>({
    uplinkUrl: (v): v is string | null => v === null || isBoundedString(2048)(v),
    ratePerHour: isDecimalText,
    budget: isBudgetSettings,
    idleMinutes: isSafeInteger,
  }),
  'forget-uplink': isNull,
  'get-overview': isExact<{ tabId: number | null }>({ tabId: (v): v is number | null => v === null || isSafeInteger(v) }),
  'set-paused': isExact<{ paused: boolean }>({ paused: isBoolean }),
  'set-site': isExact<{ site: string; rules: SiteSettings }>({ site: isBoundedString(2048), rules: isSiteSettings }),
  'export-settings': isNull,
  'import-settings': isExact<{ text: string }>({ text: isBoundedString(1_000_000) }),
  'export-ledger': isExact<{ format: LedgerFormat }>({ format: isOneOf(['csv', 'json'] as const) }),
  'get-tab-events': isExact<{ tabId: number }>({ tabId: isSafeInteger }),
  'check-pointer': isExact<{ pointer: string; pay: boolean; amount: string | null }>({
    pointer: isBoundedString(4096), pay: isBoolean, amount: (v): v is string | null => v === null || isDecimalText(v),
  }),
  'ack-repairs': isExact<{ upTo: number }>({ upTo: isSafeInteger }),
}

export type UiEnvelope = { [K in keyof UiToBackground]: { to: 'trickle-worker'; type: K; input: UiToBackground[K]['input'] } }[keyof UiToBackground]

export function isUiEnvelope(v: unknown): v is UiEnvelope {
  if (!isRecord(v) || v.to !== 'trickle-worker' || typeof v.type !== 'string' || Object.keys(v).length !== 3) return false
  if (!Object.hasOwn(uiInputGuards, v.type)) return false
  const guard = uiInputGuards[v.type as keyof UiToBackground] as Guard<unknown>
  return guard(v.input)
}

export type UiReply<K extends keyof UiToBackground> = Result<UiToBackground[K]['output']>
