/**
 * How a visit ends in the books. What it authorised but never saw confirmed may have left: it is
 * booked as unconfirmed (charged, written), in the same tick as the visit's hold is released, and the
 * record goes, in one transaction. A record that cannot be believed is settled from what can still be
 * read of it (everything it may have sent counts as spent, so nothing is paid twice) and set aside.
 */
import { resolvePaymentTarget } from '../../shared/pointer.ts'
import type { Budget, Holder } from './budget.ts'
import { visitKey } from './ledger.ts'
import type { PaymentBook } from './payment-book.ts'
import type { Salvage, VisitRecord } from './visit-record.ts'

export interface SettlementLedger {
  removeVisit(record: Pick<VisitRecord, 'tabId' | 'input'>): Promise<void>
  quarantineVisit?(key: string, value: unknown, reason: string): Promise<void>
}

export class Settlement {
  constructor(private readonly deps: { book: PaymentBook; budget: Pick<Budget, 'release'>; ledger: SettlementLedger; now: () => number }) {}

  /** Settles a damaged record from its salvage and moves it to quarantine. */
  async setAside(raw: unknown, reason: string, salvage: Salvage): Promise<void> {
    const unconfirmed = salvage.counted - salvage.sent
    if (unconfirmed > 0n && salvage.source !== null) {
      const at = this.deps.now()
      const target = resolvePaymentTarget(salvage.input)
      const key = salvage.tabId === null ? `damaged:${salvage.input}` : visitKey({ tabId: salvage.tabId, input: salvage.input })
      await this.deps.book.book(key, {
        at, site: salvage.site, receiver: target.ok ? target.value.url : salvage.input, source: salvage.source, destination: null,
        sent: 0n, delivered: 0n, unconfirmed, ms: 0, packets: 0,
      }, null)
    }
    const storedKey = typeof raw === 'object' && raw !== null && 'key' in raw && typeof raw.key === 'string' ? raw.key : null
    const key = storedKey ?? (salvage.tabId === null ? null : visitKey({ tabId: salvage.tabId, input: salvage.input }))
    if (key !== null) await this.deps.ledger.quarantineVisit?.(key, raw, reason)
  }

  /**
   * A visit is over: what it authorised but never saw confirmed may have left, so it is written to the
   * ledger as unconfirmed and charged to the budget (in the same tick as its hold is released), and
   * the record goes, in one transaction.
   */
  async settle(record: VisitRecord, holder: Holder | null): Promise<void> {
    // What the ledger does not yet hold as unconfirmed (a lost reply's money is there already).
    const unconfirmed = BigInt(record.counted) - BigInt(record.sent) - BigInt(record.uncertain ?? '0')
    const asset = record.sourceAsset
    const site = record.site ?? ''
    const key = visitKey(record)
    if (holder !== null) this.deps.budget.release(holder)
    if (unconfirmed > 0n && asset !== null) {
      const target = resolvePaymentTarget(record.input)
      // Booked with whatever confirmed payments of the visit could not be written before (charged then).
      await this.deps.book.book(key, {
        at: this.deps.now(), site, receiver: target.ok ? target.value.url : record.input, source: asset, destination: record.destinationAsset,
        sent: 0n, delivered: 0n, ms: 0, packets: 0, unconfirmed,
      }, record, true)
      return
    }
    if (!(await this.deps.book.flush(key, record, true))) await this.deps.ledger.removeVisit(record)
  }
}
