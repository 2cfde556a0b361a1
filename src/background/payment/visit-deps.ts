/**
 * What a visit is given to work with. Every dependency that decides how much may leave, where, and
 * what is written is required: a visit with no budget, no tab meter or no ledger is a choice made by
 * whoever builds it (the simulator's `UNLIMITED_ROOM` and no-op books), never a default.
 */
import type { Plugin } from 'ilp-protocol-stream/dist/src/util/plugin-interface'
import type { Asset } from '../../shared/money.ts'
import type { PaymentEvent } from '../../shared/messages.ts'
import type { Result } from '../../shared/result.ts'
import type { Limit } from '../ledger/budget.ts'
import type { LedgerEntry } from '../ledger/ledger.ts'
import type { VisitRecord } from '../ledger/visit-record.ts'
import type { GuardStop } from './packet-guard.ts'
import type { SpspAnswer, SpspFailure } from './spsp.ts'
import type { PayerOptions } from './stream-payer.ts'

/** What a visit needs of a STREAM payer (StreamPayer in production, a fake in unit tests). */
export interface Payer {
  readonly sourceAsset: Asset
  readonly sourceAddress: string
  readonly destinationAsset: Asset | null
  readonly totalSent: bigint
  readonly pending: bigint
  readonly isOpen: boolean
  /**
   * What may have left on this connection, as its packet guard saw it (fulfilled, reply lost, or in
   * flight); absent when the payer cannot tell, and then everything it was given counts.
   */
  readonly exposure?: bigint
  /** Why the receiver refuses: its last reply was a final reject, or it said it takes no more (see StreamPayer.refusal). */
  readonly refusal?: string | null
  allow(total: bigint): void
  /** Resolves true when nothing was left in flight. */
  close(): Promise<boolean>
}

export type { GuardStop, PayerOptions }

/** How a visit reaches its receiver: the uplink, SPSP and STREAM, and the clock. */
export interface VisitNetwork {
  uplinkConfigured(): boolean
  connectPlugin(signal: AbortSignal): Promise<Plugin>
  reportUplinkConnected(asset: Asset, address: string): void
  /** `checkHop`: the page's own rules for each redirect target (address space, CSP). */
  querySpsp(url: string, signal: AbortSignal, checkHop?: (url: string) => string | null): Promise<Result<SpspAnswer, SpspFailure>>
  openPayer(opts: PayerOptions): Promise<Payer>
  /** The uplink's asset if already known (from ILDCP), to price and pre-authorise the first chunk. */
  uplinkAsset(): Asset | null
  /** The configured rate in units per hour of `asset`, or null if it cannot be expressed in it. */
  ratePerHour(asset: Asset): bigint | null
  readonly now: () => number
}

/** How much may leave, and where: the budget, the site's cap, the tab's meter, the page's rules. */
export interface VisitPolicy {
  /** How much more may be authorised for this visit's site now (budget.ts), and which limit binds. */
  room(): { room: bigint; limit: Limit }
  /**
   * How much more any visit of this tab may be given now, priced in `asset` (tab-meter.ts): the rate
   * invariant's ceiling, shared by every receiver, page and frame of the tab.
   */
  tabRoom(asset: Asset | null): bigint
  /** The visit's accrual started or stopped (the tab's meter follows its visits). */
  accrualChanged(): void
  /** Why payment stopped at a limit, for the popup and the page's log. */
  limitReason(limit: Limit): string
  /** The page's policy on where money may go, checked on the SPSP endpoint after redirects. */
  permits(url: string): boolean
}

/** Where a visit writes what it did, and who hears of it. */
export interface VisitBooks {
  /** Writes the visit's record (its write-ahead allowance). */
  save(record: VisitRecord): Promise<void>
  /**
   * Writes a payment to the ledger together with the visit's record (one transaction), and charges it
   * to the budget in the same tick as the visit's hold shrinks (payment-book.ts).
   */
  record(record: VisitRecord, entry: LedgerEntry): Promise<void>
  /** Remembers the receiver's unit for later visits. */
  learnt(receiverUrl: string, quantum: bigint): void
  /** The receiver's unit as learnt on an earlier visit, so even a first packet has no dust. */
  knownQuantum(receiverUrl: string): bigint | null
  /** What the page should hear about this payment (turned into Web Monetization events). */
  emit(event: VisitEvent, visitId: string): void
  /** The visit's phase or its reason changed: the popup and the toolbar may show it (no event says so). */
  phaseChanged(): void
}

export type VisitDeps = VisitNetwork & VisitPolicy & VisitBooks

/** A visit's fixed facts: the site it pays for (ledger, caps) and whether any money moves. */
export interface VisitSetup {
  /** The page's origin; '' when the page had none (a visit of no site is never carried over). */
  site: string
  /** Simulator mode: no money moves (SimulatedPayer); labelled in the status. */
  simulated: boolean
}

/** A payment event without its tag: the monetizer knows which tag the visit pays. */
export type VisitEvent = PaymentEvent extends infer E ? E extends { tag: unknown } ? Omit<E, 'tag'> : never : never

/** Room no limit binds: what the simulator, which moves no money, is given for budget and tab. */
export const UNLIMITED_ROOM = 2n ** 128n
