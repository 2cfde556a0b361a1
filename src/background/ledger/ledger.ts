/**
 * The ledger: where money went, in IndexedDB (through idb), opened lazily on first use.
 *
 * One row per local day, site, receiver and pair of assets, holding totals: a year of browsing stays a
 * few thousand small rows. Amounts are integer strings (bigint in code) with their asset.
 *
 * The same database holds the open visits' records, so that a payment's ledger row and its visit's
 * record change in one transaction: after a worker kill, what the ledger says was sent and what a
 * restarted visit believes it sent can never disagree. A visit's record also carries what it
 * authorised; the part not yet confirmed is "in flight", held against the budget until its fate is
 * known, then written to the ledger as confirmed (delivered) or as unconfirmed (it may have left).
 *
 * Nothing read back is trusted: storage can be damaged (a bug, a disk, a hand edit), and one bad value
 * must not stop the extension. Every row is checked on every read; one that fails is moved, in one
 * transaction, from `days` to `quarantine` (raw, with the reason) and replaced by what can still be
 * read of it (see `checkLedgerRow`: the salvage rule). The user is told once (`repairs`).
 */
import { openDB } from 'idb'
import { isRecord } from '../../shared/guards.ts'
import type { Log } from '../../shared/log.ts'
import type { HistoryRange, SiteDay, DayTotal, Statement } from '../../shared/history.ts'
import type { RepairKind } from '../../shared/messages.ts'
import type { Asset } from '../../shared/money.ts'
import { dayKey, type DayKey } from '../../shared/period.ts'
import type { VisitRecord } from './visit-record.ts'
import { addToSum, HistoryQueries, sumIdentities } from './history-sums.ts'
import { addTo, checkLedgerRow, freshRow, isEmpty, mergeRows, rowKey, type LedgerRow } from './ledger-rows.ts'
import { DB_VERSION, LEDGER_DB, type LedgerDb, type Schema, type StoredVisit } from './schema.ts'
import { upgrade } from './upgrade.ts'
import { readBudgetStart, type BudgetStart } from './budget-start.ts'
import { readExportPage, type ExportPage } from './ledger-export.ts'

export { checkLedgerRow, ROW_VERSION, type CheckedRow, type LedgerRow } from './ledger-rows.ts'

/** One payment (or one settlement of an unconfirmed amount) to add to the ledger. */
export interface LedgerEntry {
  at: number
  site: string
  receiver: string
  source: Asset
  destination: Asset | null
  sent: bigint
  delivered: bigint
  unconfirmed: bigint
  ms: number
  packets: number
}

/** What was set aside: a row of `days`, a record of `visits`, or the settings (storage.local). */
export type QuarantineKind = RepairKind

/**
 * A damaged record set aside: the raw stored value (for whoever investigates; nothing reads it back),
 * where it was, and why it was refused. `reason` is shown to the user: it names fields, never values.
 */
export interface QuarantineEntry {
  id: string
  at: number
  kind: QuarantineKind
  /** The record's key in its store (`settings` for the settings). */
  key: IDBValidKey
  value: unknown
  reason: string
  /** The user has been told (the popup's notice was dismissed). */
  acknowledged: boolean
}

/** What the user is told of a repair. */
export interface Repair { id: string; at: number; kind: QuarantineKind; reason: string }

/** What the settings store needs of a storage area (storage.local has the same shape). */
export interface KeyValueArea {
  get(key: string): Promise<Record<string, unknown>>
  set(items: Record<string, unknown>): Promise<void>
  remove?(key: string): Promise<void>
}

/** How many acknowledged quarantine entries are kept (the newest), for whoever investigates. */
export const KEEP_ACKNOWLEDGED = 100

export const visitKey = (r: Pick<VisitRecord, 'tabId' | 'input'>): string => `${r.tabId}:${r.input}`
function isQuarantineEntry(v: unknown): v is QuarantineEntry {
  return isRecord(v) && typeof v.id === 'string' && typeof v.at === 'number' && typeof v.reason === 'string' &&
    (v.kind === 'ledger-row' || v.kind === 'visit' || v.kind === 'settings') && typeof v.acknowledged === 'boolean'
}

/** After a failed request in a transaction: abort, so that what came before it is undone too. */
function abort(tx: { abort(): void; done: Promise<void> }): void {
  try { tx.abort() } catch { /* already finished */ }
  tx.done.catch(() => undefined)
}

// ---------------------------------------------------------------------------------------------------

export class Ledger {
  private opening: Promise<LedgerDb> | null = null
  /** The unacknowledged repairs, once read (the popup asks every second: not an IndexedDB read each time). */
  private repairCache: Repair[] | null = null

  constructor(private readonly opts: { name?: string; timeZone?: string; now?: () => number; log?: Pick<Log, 'warn' | 'error'> } = {}) {}

  private now(): number { return (this.opts.now ?? Date.now)() }

  private db(): Promise<LedgerDb> {
    const forget = (): void => { this.opening = null }
    this.opening ??= openDB<Schema>(this.opts.name ?? LEDGER_DB, DB_VERSION, {
      // A newer version (an update of Trickle mid-session) or a deletion waits for this connection:
      // let go of it; the next call opens the database again.
      blocking(_current, _next, event) {
        (event.target as IDBDatabase).close()
        forget()
      },
      upgrade: (db, oldVersion, _newVersion, tx) => { upgrade(db, oldVersion, tx) },
    }).catch((e: unknown) => {
      this.opening = null // let the next call try again
      throw e
    })
    return this.opening
  }

  dayOf(at: number): DayKey { return dayKey(at, this.opts.timeZone) }

  /**
   * A key-value area in this database, shaped like storage.local's get and set. A content script's
   * IndexedDB is its page's origin, so this one is out of its reach in every browser (storage.local is
   * not, unless the browser can restrict it, which Firefox cannot).
   */
  settingsArea(): KeyValueArea {
    return {
      get: async (key) => {
        const value: unknown = await (await this.db()).get('settings', key)
        return value === undefined ? {} : { [key]: value }
      },
      set: async (items) => {
        const tx = (await this.db()).transaction('settings', 'readwrite')
        for (const [key, value] of Object.entries(items)) void tx.store.put(value, key)
        await tx.done
      },
    }
  }

  async saveVisit(record: VisitRecord): Promise<void> {
    await (await this.db()).put('visits', { ...record, key: visitKey(record) })
  }

  private entryFor(kind: QuarantineKind, key: IDBValidKey, value: unknown, reason: string): QuarantineEntry {
    return { id: crypto.randomUUID(), at: this.now(), kind, key, value, reason, acknowledged: false }
  }

  private noteRepair(e: QuarantineEntry): void {
    this.repairCache?.push({ id: e.id, at: e.at, kind: e.kind, reason: e.reason })
  }

  /**
   * Adds an entry to its day's row and writes the visit's record, in one transaction. A damaged row
   * already there is quarantined in the same transaction, and the entry is added to its salvage.
   */
  async record(entry: LedgerEntry, visit: VisitRecord | null, removeVisit = false): Promise<void> {
    const db = await this.db()
    const tx = db.transaction(['days', 'visits', 'quarantine', 'months', 'totals'], 'readwrite')
    let repaired: QuarantineEntry | null = null
    try {
      const days = tx.objectStore('days')
      const identity = { day: this.dayOf(entry.at), site: entry.site, receiver: entry.receiver, source: entry.source, destination: entry.destination }
      const id = rowKey(identity.day, identity.site, identity.receiver, identity.source, identity.destination)
      const stored = await days.get(id)
      let row = freshRow(identity)
      if (stored !== undefined) {
        const checked = checkLedgerRow(id, stored)
        if (checked.ok) row = checked.row
        else {
          repaired = this.entryFor('ledger-row', id, stored, checked.reason)
          await tx.objectStore('quarantine').add(repaired)
          // The salvage's identity comes from this very key: it is the entry's own.
          if (checked.salvage !== null) row = checked.salvage
        }
      }
      const amounts = { sent: entry.sent.toString(), delivered: entry.delivered.toString(), unconfirmed: entry.unconfirmed.toString(), ms: entry.ms, packets: entry.packets }
      await days.put(addTo(row, amounts))
      // The history's aggregates change with the row, or not at all (history-sums.ts).
      const sums = sumIdentities(identity)
      await addToSum(tx.objectStore('months'), sums.month, amounts)
      await addToSum(tx.objectStore('totals'), sums.total, amounts)
      if (visit !== null) {
        const visits = tx.objectStore('visits')
        if (removeVisit) await visits.delete(visitKey(visit))
        else await visits.put({ ...visit, key: visitKey(visit) })
      }
    } catch (e) {
      // A request that fails does not undo the ones before it: abort, so the row and the record
      // change together or not at all.
      abort(tx)
      throw e
    }
    await tx.done
    if (repaired !== null) {
      this.noteRepair(repaired)
      this.opts.log?.warn(`ledger: set a damaged row aside: ${repaired.reason}`)
    }
  }

  /** The history page's questions, answered from the aggregates and indexes (history-sums.ts). */
  private readonly history = new HistoryQueries(() => this.db(), (...a) => { this.opts.log?.error(...a) })
  dayTotals(range: HistoryRange): Promise<DayTotal[]> { return this.history.dayTotals(range) }
  statement(range: HistoryRange): Promise<Statement> { return this.history.statement(range) }
  siteDays(site: string, range: HistoryRange): Promise<SiteDay[]> { return this.history.siteDays(site, range) }

  async removeVisit(visit: Pick<VisitRecord, 'tabId' | 'input'>): Promise<void> {
    await (await this.db()).delete('visits', visitKey(visit))
  }

  async loadVisits(): Promise<StoredVisit[]> {
    return (await this.db()).getAll('visits')
  }

  /** One page of the ledger's export (ledger-export.ts): a short read, payments go on between pages. */
  async exportPage(after: string | null): Promise<ExportPage> { return readExportPage(await this.db(), after) }

  /** The budget's start (budget-start.ts): the day totals first, then the rows, in one snapshot. */
  async budgetStart(from: DayKey): Promise<BudgetStart> {
    const db = await this.db()
    const start = readBudgetStart(db, from)
    // Damaged rows count as their salvage; they are set aside after the snapshot (payments wait for neither).
    const rows = start.rows.then(async (r) => {
      if (r.damaged.length > 0) await this.quarantineRows(db, r.damaged).catch((e: unknown) => { this.opts.log?.error('ledger: could not set damaged rows aside', e) })
      return r
    })
    return { totals: start.totals, rows }
  }

  async rows(): Promise<LedgerRow[]> {
    return this.readRows(async (db) => {
      const tx = db.transaction('days')
      const [values, keys] = await Promise.all([tx.store.getAll(), tx.store.getAllKeys()])
      await tx.done
      return new Map<IDBValidKey, unknown>(keys.map((k, i) => [k, values[i]]))
    }, () => true)
  }

  /**
   * Reads rows, checks each; damaged ones are quarantined and their salvage written in their place,
   * then the rows are read again (once). If the quarantine cannot be written, the damaged rows stay
   * where they are and their salvage is returned for this read: the budget still counts them.
   */
  private async readRows(read: (db: LedgerDb) => Promise<Map<IDBValidKey, unknown>>, wanted: (row: LedgerRow) => boolean): Promise<LedgerRow[]> {
    const db = await this.db()
    let salvaged: LedgerRow[] = []
    for (let attempt = 0; ; attempt++) {
      const good: LedgerRow[] = []
      const bad: IDBValidKey[] = []
      salvaged = []
      for (const [key, value] of await read(db)) {
        const checked = checkLedgerRow(key, value)
        if (checked.ok) good.push(checked.row)
        else {
          bad.push(key)
          if (checked.salvage !== null) salvaged.push(checked.salvage)
        }
      }
      if (bad.length === 0) return good.filter(wanted)
      if (attempt > 0) return mergeRows(good, salvaged).filter(wanted)
      try {
        await this.quarantineRows(db, bad)
      } catch (e) {
        this.opts.log?.error('ledger: could not set damaged rows aside', e)
        return mergeRows(good, salvaged).filter(wanted)
      }
    }
  }

  /** Moves damaged rows to quarantine and writes their salvage, in one transaction. */
  private async quarantineRows(db: LedgerDb, keys: readonly IDBValidKey[]): Promise<void> {
    const tx = db.transaction(['days', 'quarantine'], 'readwrite')
    const entries: QuarantineEntry[] = []
    try {
      const days = tx.objectStore('days')
      const quarantine = tx.objectStore('quarantine')
      /** Sets the row at `key` aside if it is (still) damaged; returns its salvage. */
      const setAside = async (key: IDBValidKey): Promise<LedgerRow | null> => {
        const stored: unknown = await days.get(key)
        if (stored === undefined) return null
        const checked = checkLedgerRow(key, stored)
        if (checked.ok) return null // written again since it was read: nothing to repair
        const e = this.entryFor('ledger-row', key, stored, checked.reason)
        await quarantine.add(e)
        await days.delete(key)
        entries.push(e)
        return checked.salvage
      }
      for (const key of keys) {
        const salvage = await setAside(key)
        if (salvage === null || isEmpty(salvage)) continue // nothing could be read: no empty row in the history
        // Normally the salvage goes back under the same key. If the key was not one of ours, its
        // fields named the row: merge into the row they name, setting that aside too if damaged
        // (its key names the same identity, so its own salvage adds up with this one).
        const target: unknown = salvage.id === key ? undefined : await days.get(salvage.id)
        let row = salvage
        if (target !== undefined) {
          const checked = checkLedgerRow(salvage.id, target)
          const other = checked.ok ? checked.row : await setAside(salvage.id)
          if (other !== null) row = addTo(other, salvage)
        }
        await days.put(row)
      }
    } catch (e) {
      abort(tx)
      throw e
    }
    await tx.done
    for (const e of entries) {
      this.noteRepair(e)
      this.opts.log?.warn(`ledger: set a damaged row aside: ${e.reason}`)
    }
  }

  /**
   * Sets a damaged record of any store aside (the caller has already stopped using it): `value` as it
   * was stored, `reason` for the user (field names, never values: no secret may land in it).
   */
  async quarantine(kind: QuarantineKind, key: string, value: unknown, reason: string): Promise<void> {
    const e = this.entryFor(kind, key, value, reason)
    await (await this.db()).add('quarantine', e)
    this.noteRepair(e)
  }

  /** Moves a damaged visit record out of `visits` into quarantine, in one transaction. */
  async quarantineVisit(key: string, value: unknown, reason: string): Promise<void> {
    const db = await this.db()
    const tx = db.transaction(['visits', 'quarantine'], 'readwrite')
    const e = this.entryFor('visit', key, value, reason)
    try {
      await tx.objectStore('quarantine').add(e)
      await tx.objectStore('visits').delete(key)
    } catch (err) {
      abort(tx)
      throw err
    }
    await tx.done
    this.noteRepair(e)
  }

  /** What was set aside and not yet acknowledged, oldest first. */
  async repairs(): Promise<Repair[]> {
    if (this.repairCache === null) {
      const all: unknown[] = await (await this.db()).getAll('quarantine')
      this.repairCache = all.filter(isQuarantineEntry).filter((e) => !e.acknowledged)
        .map((e) => ({ id: e.id, at: e.at, kind: e.kind, reason: e.reason }))
    }
    return [...this.repairCache].sort((a, b) => a.at - b.at)
  }

  /**
   * Marks repairs as told: those up to `upTo` (the newest the user saw; a repair made meanwhile is
   * still shown), or all. The entries stay, with their raw values.
   */
  async acknowledgeRepairs(upTo?: number): Promise<void> {
    const db = await this.db()
    const tx = db.transaction('quarantine', 'readwrite')
    const done = new Set<string>()
    try {
      const told: QuarantineEntry[] = []
      for (const e of await tx.store.getAll()) {
        if (!isQuarantineEntry(e)) continue
        if (e.acknowledged) told.push(e)
        else if (upTo === undefined || e.at <= upTo) {
          await tx.store.put({ ...e, acknowledged: true })
          done.add(e.id)
          told.push(e)
        }
      }
      // Only the newest told entries are kept: a recurring fault must not fill the disk with copies.
      for (const e of told.sort((a, b) => b.at - a.at).slice(KEEP_ACKNOWLEDGED)) await tx.store.delete(e.id)
    } catch (err) {
      abort(tx)
      throw err
    }
    await tx.done
    if (this.repairCache !== null) this.repairCache = this.repairCache.filter((r) => !done.has(r.id))
  }

  close(): void {
    void this.opening?.then((db) => { db.close() }).catch(() => undefined)
    this.opening = null
    this.repairCache = null
  }
}

