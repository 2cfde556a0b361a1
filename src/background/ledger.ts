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
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb'
import type { Asset } from '../shared/money.ts'
import { dayKey, type DayKey } from '../shared/period.ts'
import type { VisitRecord } from './visit.ts'

export interface LedgerRow {
  id: string
  day: DayKey
  /** The page's origin: who the user thinks they pay. */
  site: string
  /** The SPSP endpoint paid (what the tag resolved to). */
  receiver: string
  source: Asset
  destination: Asset | null
  /** Left the uplink account, confirmed by the receiver (source units). */
  sent: string
  /** Arrived, in the receiver's asset (destination units). */
  delivered: string
  /** May have left, but no confirmation came (a connection died with it in flight). Counts against the budget. */
  unconfirmed: string
  /** Visible time paid for, in milliseconds. */
  ms: number
  packets: number
}

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

export type StoredVisit = VisitRecord & { key: string }

interface Schema extends DBSchema {
  days: { key: string; value: LedgerRow; indexes: { day: DayKey } }
  visits: { key: string; value: StoredVisit }
}

export const LEDGER_DB = 'trickle'
const DB_VERSION = 1

export const visitKey = (r: Pick<VisitRecord, 'tabId' | 'input'>): string => `${r.tabId}:${r.input}`
const assetKey = (a: Asset | null): string => (a === null ? '-' : `${a.code}/${a.scale}`)
const rowId = (day: DayKey, e: LedgerEntry): string =>
  JSON.stringify([day, e.site, e.receiver, assetKey(e.source), assetKey(e.destination)])

export class Ledger {
  private opening: Promise<IDBPDatabase<Schema>> | null = null

  constructor(private readonly opts: { name?: string; timeZone?: string } = {}) {}

  private db(): Promise<IDBPDatabase<Schema>> {
    this.opening ??= openDB<Schema>(this.opts.name ?? LEDGER_DB, DB_VERSION, {
      upgrade(db, oldVersion) {
        if (oldVersion < 1) {
          db.createObjectStore('days', { keyPath: 'id' }).createIndex('day', 'day')
          db.createObjectStore('visits', { keyPath: 'key' })
        }
      },
    }).catch((e: unknown) => {
      this.opening = null // let the next call try again
      throw e
    })
    return this.opening
  }

  dayOf(at: number): DayKey { return dayKey(at, this.opts.timeZone) }

  async saveVisit(record: VisitRecord): Promise<void> {
    await (await this.db()).put('visits', { ...record, key: visitKey(record) })
  }

  /** Adds an entry to its day's row and writes the visit's record, in one transaction. */
  async record(entry: LedgerEntry, visit: VisitRecord | null, removeVisit = false): Promise<void> {
    const db = await this.db()
    const tx = db.transaction(['days', 'visits'], 'readwrite')
    try {
      const days = tx.objectStore('days')
      const day = this.dayOf(entry.at)
      const id = rowId(day, entry)
      const row = await days.get(id)
      await days.put({
        id, day, site: entry.site, receiver: entry.receiver, source: entry.source, destination: entry.destination,
        sent: (BigInt(row?.sent ?? '0') + entry.sent).toString(),
        delivered: (BigInt(row?.delivered ?? '0') + entry.delivered).toString(),
        unconfirmed: (BigInt(row?.unconfirmed ?? '0') + entry.unconfirmed).toString(),
        ms: (row?.ms ?? 0) + entry.ms,
        packets: (row?.packets ?? 0) + entry.packets,
      })
      if (visit !== null) {
        const visits = tx.objectStore('visits')
        if (removeVisit) await visits.delete(visitKey(visit))
        else await visits.put({ ...visit, key: visitKey(visit) })
      }
    } catch (e) {
      // A request that fails does not undo the ones before it: abort, so the row and the record
      // change together or not at all.
      try { tx.abort() } catch { /* already finished */ }
      tx.done.catch(() => undefined)
      throw e
    }
    await tx.done
  }

  async removeVisit(visit: Pick<VisitRecord, 'tabId' | 'input'>): Promise<void> {
    await (await this.db()).delete('visits', visitKey(visit))
  }

  async loadVisits(): Promise<StoredVisit[]> {
    return (await this.db()).getAll('visits')
  }

  /** Rows of `from` and later days (a period's, for the budget). */
  async rowsSince(from: DayKey): Promise<LedgerRow[]> {
    return (await this.db()).getAllFromIndex('days', 'day', IDBKeyRange.lowerBound(from))
  }

  async rows(): Promise<LedgerRow[]> {
    return (await this.db()).getAll('days')
  }

  close(): void {
    void this.opening?.then((db) => { db.close() }).catch(() => undefined)
    this.opening = null
  }
}
