/**
 * Visit records as read back from IndexedDB: checked, never trusted. One bad value once stopped every
 * payment and every UI request (`Cannot convert abc to a BigInt` at restore); a record that fails
 * here is settled conservatively and set aside instead (monetizer.ts), and the rest carry on.
 */
import { isRecord } from '../../shared/guards.ts'
import { isAsset, type Asset } from '../../shared/money.ts'
import type { AccrualJson } from '../payment/accrual.ts'

/** The schema version of visit records this build writes (checkVisitRecord below checks what it reads). */
export const VISIT_RECORD_VERSION = 1

export interface VisitRecord {
  /** Schema version; absent in records of builds before versioning (read as 1). */
  v?: number
  /** When the record was written: a restarted worker counts no visible time after it. */
  savedAt?: number
  tabId: number
  visitId: string
  input: string
  seenAt: number
  accrual: AccrualJson
  /** Everything this visit ever allowed to leave: a restarted worker treats it all as sent. */
  counted: string
  sent: string
  delivered: string
  sourceAsset: Asset | null
  destinationAsset: Asset | null
  firstPaidAt: number | null
  /** The receiver's smallest unit in source units, as learnt (see learnQuantum). */
  quantum: string
  /** The page's origin (absent in records of older builds). */
  site?: string
  /** The connection in use when this record was written, to learn after a restart what arrived. */
  link?: LinkState
  /** Part of counted − sent already written to the ledger as unconfirmed (a reply was lost), and when. */
  uncertain?: string
  uncertainAt?: number | null
  uncertainDestination?: Asset | null
}

/**
 * A STREAM connection as a record remembers it. A restarted worker reopens the same connection and
 * reads the receiver's total for the stream from its first reply: what it exceeds `delivered` by is
 * what the chunk in flight at the kill delivered, and so whether that chunk left.
 */
export interface LinkState {
  destinationAccount: string
  /** base64 */
  sharedSecret: string
  /** Visit totals (source units): when the connection opened, and the most it could have been given. */
  base: string
  given: string
  /** Confirmed on this connection: source units sent, destination units delivered. */
  sent: string
  delivered: string
}


export type RecordCheck =
  | { ok: true; record: VisitRecord }
  | { ok: false; reason: string; salvage: Salvage }

/** What can still be read from a bad record, to settle it without paying anything twice. */
export interface Salvage {
  tabId: number | null
  site: string
  input: string
  source: Asset | null
  /** The most it may have sent (the largest amount that reads), and what it had confirmed. */
  counted: bigint
  sent: bigint
}

type Obj = Record<string, unknown>
const isUnits = (v: unknown): v is string => typeof v === 'string' && /^\d{1,40}$/.test(v)
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0
const isText = (v: unknown, max = 8192): v is string => typeof v === 'string' && v.length <= max

function isLink(v: unknown): v is LinkState {
  return isRecord(v) && isText(v.destinationAccount, 1023) && isText(v.sharedSecret, 256)
    && isUnits(v.base) && isUnits(v.given) && isUnits(v.sent) && isUnits(v.delivered)
}

function isAccrual(v: unknown): boolean {
  return isRecord(v) && isUnits(v.folded) && isTime(v.segmentMs) && (v.visibleSince === null || isTime(v.visibleSince))
    && (v.ratePerHour === null || isUnits(v.ratePerHour))
}

/** The first field that is wrong, or null. */
function problem(r: Obj): string | null {
  if (r.v !== undefined && r.v !== VISIT_RECORD_VERSION) return `schema version ${JSON.stringify(r.v) ?? typeof r.v} is not one this build reads`
  if (!Number.isInteger(r.tabId) || (r.tabId as number) < 0) return 'tabId is not a tab'
  if (!isText(r.visitId, 64) || !isText(r.input)) return 'visitId or input is not text'
  if (!isTime(r.seenAt)) return 'seenAt is not a time'
  if (!isAccrual(r.accrual)) return 'accrual is malformed'
  for (const f of ['counted', 'sent', 'delivered', 'quantum'] as const) if (!isUnits(r[f])) return `${f} is not an amount`
  if (r.quantum === '0' || /^0+$/.test(r.quantum as string)) return 'quantum is zero'
  if (r.sourceAsset !== null && !isAsset(r.sourceAsset)) return 'sourceAsset is malformed'
  if (r.destinationAsset !== null && !isAsset(r.destinationAsset)) return 'destinationAsset is malformed'
  if (r.firstPaidAt !== null && !isTime(r.firstPaidAt)) return 'firstPaidAt is not a time'
  if (r.site !== undefined && !isText(r.site, 2048)) return 'site is not text'
  if (r.link !== undefined && !isLink(r.link)) return 'link is malformed'
  if (r.savedAt !== undefined && !isTime(r.savedAt)) return 'savedAt is not a time'
  if (r.uncertain !== undefined && !isUnits(r.uncertain)) return 'uncertain is not an amount'
  if (r.uncertainAt !== undefined && r.uncertainAt !== null && !isTime(r.uncertainAt)) return 'uncertainAt is not a time'
  if (r.uncertainDestination !== undefined && r.uncertainDestination !== null && !isAsset(r.uncertainDestination)) return 'uncertainDestination is malformed'
  if (BigInt(r.sent as string) > BigInt(r.counted as string)) return 'it confirms more than it counts'
  if (BigInt(typeof r.uncertain === 'string' ? r.uncertain : '0') > BigInt(r.counted as string) - BigInt(r.sent as string)) return 'its uncertain part exceeds what is unconfirmed'
  return null
}

export function checkVisitRecord(raw: unknown): RecordCheck {
  if (!isRecord(raw)) return { ok: false, reason: 'the record is not an object', salvage: salvage({}) }
  const why = problem(raw)
  if (why === null) return { ok: true, record: raw as unknown as VisitRecord }
  return { ok: false, reason: why, salvage: salvage(raw) }
}

function salvage(r: Obj): Salvage {
  const amounts = [r.counted, r.sent].filter(isUnits).map((v) => BigInt(v))
  const counted = amounts.reduce((m, v) => (v > m ? v : m), 0n)
  const sent = isUnits(r.sent) && BigInt(r.sent) <= counted ? BigInt(r.sent) : 0n
  return {
    tabId: Number.isInteger(r.tabId) && (r.tabId as number) >= 0 ? (r.tabId as number) : null,
    site: isText(r.site, 2048) ? r.site : '',
    input: isText(r.input) ? r.input : '',
    source: isAsset(r.sourceAsset) ? r.sourceAsset : null,
    counted,
    sent,
  }
}
