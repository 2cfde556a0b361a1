/**
 * The history's aggregates and the questions they answer (src/shared/history.ts).
 *
 * Beside each ledger row (day × site × receiver × assets), the same payment is added, in the same
 * transaction (ledger.ts `record`), to its month's row (`months`: the same identity with the month's
 * first day) and to its day's total over all sites (`totals`: site and receiver `*`, no destination).
 * Both are rows of the ledger's own shape, checked on every read like `days`: a damaged one is read
 * as its salvage (the same rule, ledger-rows.ts). They are derived: `days` stays the truth the budget
 * reads, and a schema upgrade builds them from it (schema.ts).
 */
import { MAX_HISTORY_DAYS, MAX_LINE_ASSETS, MAX_LINE_RECEIVERS, type DayTotal, type HistoryRange, type SiteDay, type Statement, type StatementLine } from '../../shared/history.ts'
import { t } from '../../shared/i18n.ts'
import type { Log } from '../../shared/log.ts'
import type { Asset, AmountJson } from '../../shared/money.ts'
import { daysBetween, isDayKey, type DayKey } from '../../shared/period.ts'
import { addTo, checkLedgerRow, freshRow, isEmpty, type LedgerRow } from './ledger-rows.ts'
import type { LedgerDb } from './schema.ts'

/** The site and receiver of a day's total over all sites. */
export const ALL = '*'

type Identity = Pick<LedgerRow, 'day' | 'site' | 'receiver' | 'source' | 'destination'>
type Totals = Pick<LedgerRow, 'sent' | 'delivered' | 'unconfirmed' | 'ms' | 'packets'>

/** The first day of a day's calendar month. */
export const monthOf = (day: DayKey): DayKey => `${day.slice(0, 7)}-01`

/** The month row and the day total a payment on this row's identity adds to. */
export function sumIdentities(row: Identity): { month: Identity; total: Identity } {
  return {
    // Only the identity: a row's own id and totals must not ride along.
    month: { day: monthOf(row.day), site: row.site, receiver: row.receiver, source: row.source, destination: row.destination },
    total: { day: row.day, site: ALL, receiver: ALL, source: row.source, destination: null },
  }
}

/** What a payment adds to a day total: delivered amounts are in receivers' assets, which do not add up. */
const forTotal = (t: Totals): Totals => ({ ...t, delivered: '0' })

/** The aggregates of a set of rows (a schema upgrade builds them so). */
export function sumsOf(rows: readonly LedgerRow[]): { months: LedgerRow[]; totals: LedgerRow[] } {
  const months = new Map<string, LedgerRow>()
  const totals = new Map<string, LedgerRow>()
  const add = (into: Map<string, LedgerRow>, identity: Identity, t: Totals): void => {
    const fresh = freshRow(identity)
    into.set(fresh.id, addTo(into.get(fresh.id) ?? fresh, t))
  }
  for (const row of rows) {
    const { month, total } = sumIdentities(row)
    add(months, month, row)
    add(totals, total, forTotal(row))
  }
  return { months: [...months.values()], totals: [...totals.values()] }
}

/** The settings-store key that says the aggregates of rows written before version 4 are not built yet. */
export const SUMS_PENDING = 'history-sums-pending'

export async function sumsPending(db: LedgerDb): Promise<boolean> {
  return (await db.get('settings', SUMS_PENDING)) !== undefined
}

/**
 * After the upgrade to version 4: the aggregates of every row, in one transaction of their own that
 * starts afresh (payments recorded meanwhile are in `days` too, so nothing is counted twice) and
 * removes the pending mark. If it fails, the history is answered from `days` and it is tried again.
 * A damaged row is left for the ledger's reads to quarantine; its salvage counts here already, as it
 * will in `days`; one that holds nothing is dropped there, and so here.
 */
export async function buildSums(db: LedgerDb): Promise<void> {
  const tx = db.transaction(['days', 'months', 'totals', 'settings'], 'readwrite')
  try {
    const rows: LedgerRow[] = []
    for (let cursor = await tx.objectStore('days').openCursor(); cursor !== null; cursor = await cursor.continue()) {
      const checked = checkLedgerRow(cursor.primaryKey, cursor.value)
      const row = checked.ok ? checked.row : checked.salvage
      if (row !== null && !isEmpty(row)) rows.push(row)
    }
    const sums = sumsOf(rows)
    const months = tx.objectStore('months')
    const totals = tx.objectStore('totals')
    await Promise.all([months.clear(), totals.clear()])
    await Promise.all([...sums.months.map((r) => months.put(r)), ...sums.totals.map((r) => totals.put(r)), tx.objectStore('settings').delete(SUMS_PENDING)])
  } catch (e) {
    try { tx.abort() } catch { /* already finished */ }
    tx.done.catch(() => undefined)
    throw e
  }
  await tx.done
}

/** The part of a `months` or `totals` store in a payment's transaction that adding needs. */
interface SumStore { readonly name: string; get(key: IDBValidKey): Promise<unknown>; put(row: LedgerRow): Promise<IDBValidKey> }

/** Adds a payment to one aggregate row, inside the payment's transaction. */
export async function addToSum(store: SumStore, identity: Identity, amounts: Totals): Promise<void> {
  const fresh = freshRow(identity)
  const stored: unknown = await store.get(fresh.id)
  let row = fresh
  if (stored !== undefined) {
    const checked = checkLedgerRow(fresh.id, stored)
    row = checked.ok ? checked.row : (checked.salvage ?? fresh)
  }
  await store.put(addTo(row, store.name === 'totals' ? forTotal(amounts) : amounts))
}

// ---------------------------------------------------------------------------------------------------
// Reading

/** Why a range cannot be answered, or null. */
export function rangeProblem(range: HistoryRange): string | null {
  if (!isDayKey(range.from) || !isDayKey(range.to)) return t('ledger_rangeDays')
  const days = daysBetween(range.from, range.to)
  if (days <= 0) return t('ledger_rangeOrder')
  if (days > MAX_HISTORY_DAYS) return t('ledger_rangeLength', MAX_HISTORY_DAYS)
  return null
}

/** Keys of rows whose day is in [from, to): every key starts with its day (rowKey). */
const byDayKey = (range: HistoryRange): IDBKeyRange => IDBKeyRange.bound(`["${range.from}"`, `["${range.to}"`, false, true)

const readChecked = (pairs: { keys: IDBValidKey[]; values: unknown[] }): LedgerRow[] => {
  const out: LedgerRow[] = []
  pairs.keys.forEach((key, i) => {
    const checked = checkLedgerRow(key, pairs.values[i])
    const row = checked.ok ? checked.row : checked.salvage
    if (row !== null) out.push(row)
  })
  return out
}

async function readStore(db: LedgerDb, name: 'months' | 'totals', range: IDBKeyRange): Promise<LedgerRow[]> {
  const tx = db.transaction(name)
  const [keys, values] = await Promise.all([tx.store.getAllKeys(range), tx.store.getAll(range)])
  await tx.done
  return readChecked({ keys, values })
}

const amount = (value: bigint, asset: Asset): AmountJson => ({ value: value.toString(), code: asset.code, scale: asset.scale })
const assetKey = (a: Asset): string => `${a.code}/${a.scale}`

/** Spending per day over all sites, in each source asset, oldest first (from the day rows until the totals are built). */
export async function dayTotals(db: LedgerDb, range: HistoryRange, fromDays = false): Promise<DayTotal[]> {
  const rows = fromDays ? sumsOf(await rowsBetween(db, range)).totals : await readStore(db, 'totals', byDayKey(range))
  return rows.filter((r) => r.day >= range.from && r.day < range.to)
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0))
    .map((r) => ({ day: r.day, sent: amount(BigInt(r.sent), r.source), unconfirmed: amount(BigInt(r.unconfirmed), r.source), ms: r.ms }))
}

/** Rows of `days` in [from, to), by its day index (and the salvage of damaged ones). */
async function rowsBetween(db: LedgerDb, range: HistoryRange): Promise<LedgerRow[]> {
  const tx = db.transaction('days')
  const index = tx.store.index('day')
  const r = IDBKeyRange.bound(range.from, range.to, false, true)
  const [keys, values] = await Promise.all([index.getAllKeys(r), index.getAll(r)])
  await tx.done
  return readChecked({ keys, values })
}

const isMonthStart = (day: DayKey): boolean => day.endsWith('-01')

/**
 * Each site's totals over a range, per source asset: from the month rows when the range is whole
 * calendar months (and they are built), else from the day rows of the range.
 */
export async function statement(db: LedgerDb, range: HistoryRange, fromDays = false): Promise<Statement> {
  const whole = !fromDays && isMonthStart(range.from) && isMonthStart(range.to)
  const rows = (whole ? await readStore(db, 'months', byDayKey(range)) : await rowsBetween(db, range))
    .filter((r) => r.day >= range.from && r.day < range.to && r.site !== ALL)
  interface Line { site: string; source: Asset; sent: bigint; unconfirmed: bigint; ms: number; packets: number; delivered: Map<string, { asset: Asset; value: bigint }>; receivers: Set<string> }
  const lines = new Map<string, Line>()
  for (const r of rows) {
    const key = JSON.stringify([r.site, assetKey(r.source)])
    let line = lines.get(key)
    if (line === undefined) {
      line = { site: r.site, source: r.source, sent: 0n, unconfirmed: 0n, ms: 0, packets: 0, delivered: new Map(), receivers: new Set() }
      lines.set(key, line)
    }
    line.sent += BigInt(r.sent)
    line.unconfirmed += BigInt(r.unconfirmed)
    line.ms += r.ms
    line.packets += r.packets
    line.receivers.add(r.receiver)
    if (r.destination !== null) {
      const d = line.delivered.get(assetKey(r.destination)) ?? { asset: r.destination, value: 0n }
      d.value += BigInt(r.delivered)
      line.delivered.set(assetKey(r.destination), d)
    }
  }
  const out: StatementLine[] = [...lines.values()].map((l) => {
    // The largest amounts first (each in its own units: a ranking for the list, not a conversion).
    const delivered = [...l.delivered.values()].sort((a, b) => (a.value === b.value ? 0 : a.value > b.value ? -1 : 1))
    const receivers = [...l.receivers].sort()
    return {
      site: l.site,
      sent: amount(l.sent, l.source),
      unconfirmed: amount(l.unconfirmed, l.source),
      delivered: delivered.slice(0, MAX_LINE_ASSETS).map((d) => amount(d.value, d.asset)),
      otherAssets: Math.max(0, delivered.length - MAX_LINE_ASSETS),
      ms: l.ms,
      packets: l.packets,
      receivers: receivers.slice(0, MAX_LINE_RECEIVERS),
      otherReceivers: Math.max(0, receivers.length - MAX_LINE_RECEIVERS),
    }
  })
  return { range, lines: out.sort((a, b) => (a.site < b.site ? -1 : a.site > b.site ? 1 : 0)) }
}

/** One site's rows over a range, by the site-and-day index, oldest first. */
export async function siteDays(db: LedgerDb, site: string, range: HistoryRange): Promise<SiteDay[]> {
  const tx = db.transaction('days')
  const index = tx.store.index('site-day')
  const r = IDBKeyRange.bound([site, range.from], [site, range.to], false, true)
  const [keys, values] = await Promise.all([index.getAllKeys(r), index.getAll(r)])
  await tx.done
  return readChecked({ keys, values })
    .filter((row) => row.site === site && row.day >= range.from && row.day < range.to)
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : a.receiver < b.receiver ? -1 : 1))
    .map((row) => ({
      day: row.day,
      receiver: row.receiver,
      sent: amount(BigInt(row.sent), row.source),
      unconfirmed: amount(BigInt(row.unconfirmed), row.source),
      delivered: row.destination === null ? null : amount(BigInt(row.delivered), row.destination),
      ms: row.ms,
      packets: row.packets,
    }))
}

/**
 * The three questions, over the ledger's database. After an upgrade the aggregates are built in the
 * background, once (again at the next question if that failed); until then the answers come from
 * `days`, slower but the same.
 */
export class HistoryQueries {
  private built = false
  private building: Promise<void> | null = null

  constructor(private readonly db: () => Promise<LedgerDb>, private readonly logError: Log['error']) {}

  async dayTotals(range: HistoryRange): Promise<DayTotal[]> {
    const db = await this.db()
    return dayTotals(db, range, !(await this.ready(db)))
  }

  async statement(range: HistoryRange): Promise<Statement> {
    const db = await this.db()
    return statement(db, range, !(await this.ready(db)))
  }

  async siteDays(site: string, range: HistoryRange): Promise<SiteDay[]> { return siteDays(await this.db(), site, range) }

  private async ready(db: LedgerDb): Promise<boolean> {
    if (this.built) return true
    if (!(await sumsPending(db))) return (this.built = true)
    this.building ??= buildSums(db)
      .then(() => { this.built = true })
      .catch((e: unknown) => { this.logError('ledger: could not build the history\'s aggregates; the history is read from the day rows', e) })
      .finally(() => { this.building = null })
    return false
  }
}
