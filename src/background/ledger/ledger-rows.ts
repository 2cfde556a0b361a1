/**
 * Ledger rows as stored, and the rule for reading them back: every row is checked (`checkLedgerRow`)
 * and a damaged one is replaced by what can still be read of it (the salvage), because counting less
 * than was spent could let the user exceed their budget. ledger.ts does the storing and the quarantine.
 */
import { isRecord } from '../../shared/guards.ts'
import { isAsset, type Asset } from '../../shared/money.ts'
import { isDayKey, type DayKey } from '../../shared/period.ts'
import type { ExportRow } from '../../shared/ledger-file.ts'

/** The version of a row's own shape. Rows of the first build carry none and are read as this one. */
export const ROW_VERSION = 1

/** A row as stored: its key, its shape's version, and the exported fields (ledger-file.ts says what each holds). */
export interface LedgerRow extends ExportRow {
  id: string
  /** ROW_VERSION on rows this build writes; absent on the first build's rows (same shape). */
  v?: typeof ROW_VERSION
  day: DayKey
}


const assetKey = (a: Asset | null): string => (a === null ? '-' : `${a.code}/${a.scale}`)
export const rowKey = (day: DayKey, site: string, receiver: string, source: Asset, destination: Asset | null): string =>
  JSON.stringify([day, site, receiver, assetKey(source), assetKey(destination)])

// ---------------------------------------------------------------------------------------------------
// Checking rows

/** Amounts are integer strings; the cap keeps a damaged value from becoming a gigantic bigint. */
const AMOUNT = /^\d{1,80}$/

const isText = (v: unknown): v is string => typeof v === 'string' && v !== '' && v.length <= 4096
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
const isAmount = (v: unknown): v is string => typeof v === 'string' && AMOUNT.test(v)
/** An amount as written back: canonical ("007" → "7"), or 0 if it cannot be read. */
const amountOr0 = (v: unknown): string => (isAmount(v) ? BigInt(v).toString() : '0')

function parseAssetKey(text: unknown): Asset | null | undefined {
  if (text === '-') return null
  if (typeof text !== 'string') return undefined
  const slash = text.lastIndexOf('/')
  const scale = Number(text.slice(slash + 1))
  const asset = { code: text.slice(0, slash), scale }
  return slash > 0 && /^\d{1,3}$/.test(text.slice(slash + 1)) && isAsset(asset) ? asset : undefined
}

interface RowIdentity { day: DayKey; site: string; receiver: string; source: Asset; destination: Asset | null }

/** The identity a row key names (the key is written by `rowKey`), or null if it is not one of ours. */
function identityOfKey(key: unknown): RowIdentity | null {
  if (typeof key !== 'string') return null
  let parsed: unknown
  try {
    parsed = JSON.parse(key)
  } catch {
    return null
  }
  const parts: readonly unknown[] | null = Array.isArray(parsed) && parsed.length === 5 ? Array.from(parsed, (p: unknown) => p) : null
  if (parts === null) return null
  const [day, site, receiver, source, destination] = parts
  const src = parseAssetKey(source)
  const dst = parseAssetKey(destination)
  if (!isDayKey(day) || !isText(site) || !isText(receiver) || src === undefined || src === null || dst === undefined) return null
  return { day, site, receiver, source: src, destination: dst }
}

/** A row's identity from its own fields, if they are all valid. */
function identityOfFields(v: Record<string, unknown>): RowIdentity | null {
  const { day, site, receiver, source, destination } = v
  if (!isDayKey(day) || !isText(site) || !isText(receiver) || !isAsset(source) || !(destination === null || isAsset(destination))) return null
  return { day, site, receiver, source: { code: source.code, scale: source.scale }, destination: destination === null ? null : { code: destination.code, scale: destination.scale } }
}

export const freshRow = (id: RowIdentity): LedgerRow => ({
  id: rowKey(id.day, id.site, id.receiver, id.source, id.destination), v: ROW_VERSION, ...id,
  sent: '0', delivered: '0', unconfirmed: '0', ms: 0, packets: 0,
})

export type CheckedRow = { ok: true; row: LedgerRow } | { ok: false; reason: string; salvage: LedgerRow | null }

/**
 * Checks one stored row (`key` is its key in `days`). A valid row comes back rebuilt from its checked
 * fields (nothing else rides along); an invalid one with the reason (field names, never values) and
 * its salvage.
 *
 * The salvage rule: the row's day, site, receiver and assets come from its key (which `rowKey` wrote
 * and IndexedDB keeps apart from the value), else from its fields if those are all valid; each amount
 * or count that still reads as a non-negative integer is kept, the others become 0. So what can be
 * read of a damaged row still counts against the budget: counting less than was spent could let the
 * user exceed the budget they set, while a row we can read nothing of is lost either way. A row with
 * no readable identity cannot be attributed to an asset or a period and is not salvaged.
 */
export function checkLedgerRow(key: IDBValidKey, value: unknown): CheckedRow {
  const fromKey = identityOfKey(key)
  if (!isRecord(value)) {
    const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`
    return { ok: false, reason: `A history row was damaged (it is ${what}, not a row).`, salvage: fromKey === null ? null : freshRow(fromKey) }
  }
  const problems: string[] = []
  const fromFields = identityOfFields(value)
  if (!isDayKey(value.day)) problems.push('day')
  if (!isText(value.site)) problems.push('site')
  if (!isText(value.receiver)) problems.push('receiver')
  if (!isAsset(value.source)) problems.push('source')
  if (!(value.destination === null || isAsset(value.destination))) problems.push('destination')
  for (const f of ['sent', 'delivered', 'unconfirmed'] as const) if (!isAmount(value[f])) problems.push(f)
  for (const f of ['ms', 'packets'] as const) if (!isCount(value[f])) problems.push(f)
  if (value.v !== undefined && value.v !== ROW_VERSION) problems.push('v')
  if (fromFields !== null && key !== rowKey(fromFields.day, fromFields.site, fromFields.receiver, fromFields.source, fromFields.destination)) problems.push('id (it does not match the row\'s fields)')
  const identity = fromKey ?? fromFields
  const totals = {
    sent: amountOr0(value.sent),
    delivered: amountOr0(value.delivered),
    unconfirmed: amountOr0(value.unconfirmed),
    ms: isCount(value.ms) ? value.ms : 0,
    packets: isCount(value.packets) ? value.packets : 0,
  }
  if (problems.length > 0 || identity === null) {
    return {
      ok: false,
      reason: `A history row was damaged (${problems.length > 0 ? problems.join(', ') : 'its key'} not valid).`,
      salvage: identity === null ? null : { ...freshRow(identity), ...totals },
    }
  }
  // Rebuilt from checked fields only; a row of the first build keeps having no `v` (same shape).
  const id = rowKey(identity.day, identity.site, identity.receiver, identity.source, identity.destination)
  return { ok: true, row: value.v === ROW_VERSION ? { id, v: ROW_VERSION, ...identity, ...totals } : { id, ...identity, ...totals } }
}

/** Adds two rows' totals (same identity): amounts as bigint, never through a float. */
export function addTo(row: LedgerRow, more: Pick<LedgerRow, 'sent' | 'delivered' | 'unconfirmed' | 'ms' | 'packets'>): LedgerRow {
  return {
    ...row,
    v: ROW_VERSION,
    sent: (BigInt(row.sent) + BigInt(more.sent)).toString(),
    delivered: (BigInt(row.delivered) + BigInt(more.delivered)).toString(),
    unconfirmed: (BigInt(row.unconfirmed) + BigInt(more.unconfirmed)).toString(),
    ms: row.ms + more.ms,
    packets: row.packets + more.packets,
  }
}


export const isEmpty = (r: LedgerRow): boolean =>
  r.sent === '0' && r.delivered === '0' && r.unconfirmed === '0' && r.ms === 0 && r.packets === 0

/** Good rows plus salvage not yet written back (same key: added up). */
export function mergeRows(good: readonly LedgerRow[], salvaged: readonly LedgerRow[]): LedgerRow[] {
  const byId = new Map(good.map((r) => [r.id, r]))
  for (const s of salvaged) {
    if (isEmpty(s)) continue
    const g = byId.get(s.id)
    byId.set(s.id, g === undefined ? s : addTo(g, s))
  }
  return [...byId.values()]
}
