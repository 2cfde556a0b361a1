/**
 * The one writer for money. Every payment that left, or may have left, is booked here: charged to
 * the budget at once and exactly once, and written to the ledger (with the visit's record, in one
 * transaction). A write that fails keeps the entry, already charged, and the next write under the
 * same key carries it: the ledger catches up, the budget is never charged for it again.
 *
 * Before this module each ledger write was paired by hand with a budget charge, and a retried entry
 * was charged a second time (ledger 500,000 units, budget 600,000).
 */
import type { Budget } from './budget.ts'
import type { LedgerEntry } from './ledger.ts'
import type { VisitRecord } from './visit-record.ts'

export interface BookLedger {
  record(entry: LedgerEntry, visit: VisitRecord | null, removeVisit?: boolean): Promise<void>
}

/** Where visits keep their records and payments (this Ledger; a fake in some unit tests). */
export interface VisitLedger extends BookLedger {
  saveVisit(record: VisitRecord): Promise<void>
  removeVisit(record: Pick<VisitRecord, 'tabId' | 'input'>): Promise<void>
  /** The records as stored: checked by visit-record.ts before anything believes them. */
  loadVisits(): Promise<unknown[]>
  /** Moves a bad record out of the visits store, keeping it (and why) for the user's repair notice. */
  quarantineVisit?(key: string, value: unknown, reason: string): Promise<void>
}

/** Adds a ledger entry to one not yet written (same key: same site, receiver and assets). */
export function mergeEntries(earlier: LedgerEntry | undefined, next: LedgerEntry): LedgerEntry {
  if (earlier === undefined) return next
  return {
    ...next,
    sent: earlier.sent + next.sent,
    delivered: earlier.delivered + next.delivered,
    unconfirmed: earlier.unconfirmed + next.unconfirmed,
    ms: earlier.ms + next.ms,
    packets: earlier.packets + next.packets,
  }
}

export class PaymentBook {
  private readonly unwritten = new Map<string, LedgerEntry>()

  constructor(private readonly budget: Pick<Budget, 'charge'>, private readonly ledger: BookLedger) {}

  /**
   * Books `entry` (charged now) and writes it, with whatever earlier entries of `key` could not be
   * written, alongside `record`. Rejects if the write failed; the entries stay for the next write.
   */
  async book(key: string, entry: LedgerEntry, record: VisitRecord | null, removeVisit = false): Promise<void> {
    this.budget.charge(entry.site, entry.sent + entry.unconfirmed, entry.source, entry.at)
    await this.write(key, entry, record, removeVisit)
  }

  /** Writes what `key` still owes the ledger (and `record`), charging nothing; false if nothing was owed. */
  async flush(key: string, record: VisitRecord | null, removeVisit = false): Promise<boolean> {
    const pending = this.unwritten.get(key)
    if (pending === undefined) return false
    this.unwritten.delete(key)
    await this.write(key, pending, record, removeVisit, true)
    return true
  }

  /** What is charged to the budget but not yet in the ledger (source units, all assets together). */
  owedTotal(): bigint {
    let total = 0n
    for (const e of this.unwritten.values()) total += e.sent + e.unconfirmed
    return total
  }

  private async write(key: string, entry: LedgerEntry, record: VisitRecord | null, removeVisit: boolean, merged = false): Promise<void> {
    const all = merged ? entry : mergeEntries(this.unwritten.get(key), entry)
    this.unwritten.delete(key)
    try {
      await this.ledger.record(all, record, removeVisit)
    } catch (e) {
      // Never lose a ledger entry: it waits for the next write of its key (what came meanwhile is added).
      this.unwritten.set(key, mergeEntries(this.unwritten.get(key), all))
      throw e
    }
  }
}
