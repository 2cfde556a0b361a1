/**
 * A visit's money: what it may have sent, what is confirmed, and what is written down before it may
 * leave.
 *
 * The rule that makes restarts safe: an allowance is written to storage *before* the stream may send
 * it (`authorized`), and a restarted worker counts everything ever authorised as sent. Money in flight
 * when the worker dies is therefore under-paid by at most one chunk (about a second's worth), never
 * paid twice. Authorising early is always safe, so the first chunk is recorded while SPSP and the
 * uplink are still connecting, and its write is off the critical path.
 */
import type { Asset } from '../../shared/money.ts'
import type { LedgerEntry } from '../ledger/ledger.ts'
import { decodeSharedSecret } from './spsp.ts'
import type { LinkState, VisitRecord } from '../ledger/visit-record.ts'
import { learnQuantum, scaleQuantum } from './quantum.ts'
import type { Payer } from './visit-deps.ts'

/** The current connection. `given` is the visit total it has been allowed to reach (base + allowance). */
export interface Slot {
  payer: Payer
  base: bigint
  given: bigint
  deliveredBase: bigint
  lastDelivered: bigint
  paid: boolean
  destinationAccount: string
  sharedSecret: Uint8Array
  /** The connection a dead worker left, reopened: its first reply settles what was in flight. */
  check: LinkState | null
  /**
   * A raise being written before it is given: it already counts on the tab's meter, so two visits
   * of one tab raising at once cannot both take the same room.
   */
  claimed: bigint
  /**
   * What earlier connections of ours delivered on this same STREAM stream (a reopened connection
   * shares the receiver's stream, whose total counts them all): a record's `delivered` is this plus
   * what this connection delivered, so the next reopening does not count their money again.
   */
  streamBefore: bigint
}

/** What the money side needs of its visit. */
export interface MoneyIo {
  now(): number
  /** Writes the visit's record, with `entry` in the same transaction when there is one. */
  write(entry?: LedgerEntry): Promise<void>
  /** What a ledger entry says beside the amounts: the site, the receiver, the tab's whole rate. */
  facts(): { site: string; receiver: string; tabRate: bigint }
  /** The receiver's unit changed (remembered for later visits to it). */
  learnt(quantum: bigint): void
}

type Unconfirmed = { unconfirmed: bigint; at: number; destination: Asset | null }

/** The fields of a visit record that are the money's. */
export type MoneyFields = Pick<VisitRecord, 'counted' | 'sent' | 'delivered' | 'sourceAsset' | 'destinationAsset' | 'firstPaidAt' | 'quantum' | 'uncertain' | 'uncertainAt' | 'uncertainDestination' | 'link'>

export class VisitMoney {
  sent = 0n
  delivered = 0n
  sourceAsset: Asset | null = null
  destinationAsset: Asset | null = null
  firstPaidAt: number | null = null
  /** Visit total covered by closed connections (fulfilled, or possibly in flight when they died). */
  counted = 0n
  /** The connection of a dead worker, to reopen and ask what arrived (null once settled). */
  resumeLink: LinkState | null = null
  /** Visit total authorised to leave; written to storage before any of it is given to a connection. */
  authorized = 0n
  /** `authorized` as of the latest write that reached storage: no connection is ever given more. */
  persisted = 0n
  /** Allowances grow in multiples of this many source units: the receiver's smallest unit (quantum.ts). */
  quantum = 1n
  /**
   * Part of `counted − sent` already in the ledger as unconfirmed: a reply was lost, so the money may
   * have arrived. It is charged to the budget then, and corrected (same day's row) if the receiver
   * later says it arrived.
   */
  private uncertain = 0n
  private uncertainAt: number | null = null
  /** The receiver's asset the unconfirmed entry was written under (its row's identity). */
  private uncertainDestination: Asset | null = null
  private writesIssued = 0
  private writesDone = 0
  /** Stopped and closed: its settlement owns what is unconfirmed; a late fulfil changes nothing. */
  finished = false

  constructor(private readonly io: MoneyIo, quantum: bigint, record?: VisitRecord) {
    this.quantum = quantum
    if (record === undefined) return
    this.counted = BigInt(record.counted)
    if (record.link !== undefined && decodeSharedSecret(record.link.sharedSecret) !== null && this.counted > BigInt(record.sent)) this.resumeLink = record.link
    this.authorized = this.counted
    this.persisted = this.counted
    this.quantum = BigInt(record.quantum)
    this.sent = BigInt(record.sent)
    this.delivered = BigInt(record.delivered)
    this.sourceAsset = record.sourceAsset
    this.destinationAsset = record.destinationAsset
    this.firstPaidAt = record.firstPaidAt
    this.uncertain = BigInt(record.uncertain ?? '0')
    this.uncertainAt = record.uncertainAt ?? null
    this.uncertainDestination = record.uncertainDestination ?? record.destinationAsset
  }

  /** The visit total that may have left: everything authorised, or counted as possibly sent. */
  get held(): bigint { return this.authorized > this.counted ? this.authorized : this.counted }

  /**
   * What this visit holds against the budget: everything authorised (or counted as possibly sent)
   * that no fulfil has confirmed yet.
   */
  get outstanding(): bigint {
    const held = this.held - this.sent - this.uncertain
    return held > 0n ? held : 0n
  }

  /**
   * The visit total that may actually have left: what the connection was given, or counted as
   * possibly sent. Authorised but not yet given is not in it (it cannot leave before it is given); the
   * tab's meter counts this, the budget counts `held`.
   */
  exposed(slot: Slot | null): bigint {
    const given = slot === null ? 0n : slot.claimed > slot.given ? slot.claimed : slot.given
    return given > this.counted ? given : this.counted
  }

  /**
   * A new connection, open and accepted: its asset is the visit's from now on, and it starts from
   * what is counted. The receiver's asset is known once connected: a coarser scale of the same
   * currency gives its unit before any packet, so even the first one carries no dust.
   */
  openSlot(link: { payer: Payer; destinationAccount: string; sharedSecret: Uint8Array }, check: LinkState | null): Slot {
    const { payer } = link
    this.sourceAsset = payer.sourceAsset
    this.destinationAsset ??= payer.destinationAsset
    if (this.quantum === 1n) this.quantum = scaleQuantum(payer.sourceAsset, payer.destinationAsset)
    this.resumeLink = null
    return {
      payer, base: this.counted, given: this.counted, deliveredBase: this.delivered, lastDelivered: 0n, paid: false,
      destinationAccount: link.destinationAccount, sharedSecret: link.sharedSecret, check,
      streamBefore: check === null ? 0n : BigInt(check.delivered),
      claimed: this.counted,
    }
  }

  /** Writes the current record; once it lands, `persisted` covers what it recorded. */
  async persist(entry?: LedgerEntry): Promise<void> {
    const seq = ++this.writesIssued
    const recorded = this.authorized
    await this.io.write(entry)
    if (seq > this.writesDone) {
      this.writesDone = seq
      this.persisted = recorded
    }
  }

  /** A fulfilled packet: confirmed money, booked with the visit's record. Returns what it delivered. */
  fulfilled(slot: Slot, source: bigint, deliveredTotal: bigint, remoteTotal: bigint | null, deliveryUnknown: boolean): bigint {
    const receivedNow = deliveredTotal - slot.lastDelivered
    this.destinationAsset ??= slot.payer.destinationAsset
    // First settle what a dead worker left in flight, against the totals from before this packet.
    this.reconcile(slot, deliveredTotal, remoteTotal)
    this.sent += source
    this.delivered = slot.deliveredBase + deliveredTotal
    // A packet whose delivery is unknown says nothing about the receiver's unit.
    if (!deliveryUnknown) {
      this.quantum = learnQuantum(source, deliveredTotal - slot.lastDelivered, this.quantum, this.sourceAsset?.scale ?? 0)
      this.io.learnt(this.quantum)
    }
    slot.lastDelivered = deliveredTotal
    this.firstPaidAt ??= this.io.now()
    this.record(source, receivedNow)
    return receivedNow
  }

  /**
   * The connection died on its own: whatever may have left counts; it is never paid twice.
   * Authorisation never given to it is withdrawn (a stale record only counts more, never less).
   * `unknown`: a reply was lost, so what may have left goes to the ledger as unconfirmed now.
   */
  connectionDied(slot: Slot, unknown: boolean): void {
    this.counted = exposureOf(slot)
    this.authorized = this.counted
    // Ask the receiver on the same connection, next time, what arrived (see reconcile).
    if (this.counted > this.sent) this.resumeLink = linkOf(slot, this.counted)
    if (unknown) this.recordUncertain()
    else this.persist().catch(() => undefined)
  }

  /**
   * We closed the connection. Settled: exactly what was fulfilled. Not settled: what may have left
   * (all it was given, unless its guard saw every packet). Nothing is connected now, so the record may
   * come down to what is known, withdrawing unspent authorisation; the next connection authorises
   * (and records) afresh.
   */
  connectionClosed(slot: Slot, settled: boolean): void {
    this.counted = settled && slot.payer.exposure === undefined ? slot.base + slot.payer.totalSent : exposureOf(slot)
    this.authorized = this.counted
  }

  /** No connection: nothing was given beyond what is counted; authorisation beyond it is withdrawn. */
  withdrawUnspent(): void { this.authorized = this.counted }

  /**
   * The first reply on a reopened connection: the receiver's total for the stream, less what this
   * connection delivered, is what earlier senders on it delivered. Beyond what the dead worker had
   * confirmed, that is its chunk in flight, which therefore arrived: it goes to the ledger as sent and
   * delivered. If nothing is beyond, the chunk stays unconfirmed: a receiver's word may confirm a
   * payment, never undo one, so the budget keeps counting it.
   */
  private reconcile(slot: Slot, deliveredTotal: bigint, remoteTotal: bigint | null): void {
    const check = slot.check
    slot.check = null
    if (check === null || remoteTotal === null || this.sourceAsset === null) return
    const arrived = remoteTotal - deliveredTotal - BigInt(check.delivered)
    // Everything before this connection on the stream, as the receiver counts it.
    if (arrived > 0n) slot.streamBefore += arrived
    const uncertain = this.counted - this.sent
    if (arrived <= 0n || uncertain <= 0n) return
    const inFlight = BigInt(check.given) - BigInt(check.base) - BigInt(check.sent)
    const left = inFlight < 0n ? 0n : inFlight > uncertain ? uncertain : inFlight
    this.sent += left
    this.delivered += arrived
    slot.deliveredBase += arrived
    // What the ledger already holds as unconfirmed becomes sent, on the row it was written to.
    const resolved = left < this.uncertain ? left : this.uncertain
    this.uncertain -= resolved
    // On the very row the unconfirmed amount was written to (same day, same assets), or the
    // correction would be a negative row of its own.
    this.record(left, arrived, resolved > 0n ? { unconfirmed: -resolved, at: this.uncertainAt ?? this.io.now(), destination: this.uncertainDestination } : undefined)
  }

  /**
   * A reply was lost: what may have left and is not confirmed goes to the ledger as unconfirmed now,
   * charged to the budget, and the visit keeps the connection to ask the receiver later.
   */
  private recordUncertain(): void {
    const amount = this.counted - this.sent - this.uncertain
    if (amount <= 0n || this.sourceAsset === null) return
    if (this.uncertain === 0n) {
      this.uncertainAt = this.io.now()
      this.uncertainDestination = this.destinationAsset
    }
    this.uncertain += amount
    this.record(0n, 0n, { unconfirmed: amount, at: this.uncertainAt ?? this.io.now(), destination: this.uncertainDestination })
  }

  /**
   * Books a confirmed payment (or money that may have left) with the visit's record. If the write
   * fails, the payment book keeps the entry for the next write (or the visit's settlement).
   */
  private record(sent: bigint, delivered: bigint, extra?: Unconfirmed): void {
    this.persist(this.entry(sent, delivered, sent > 0n ? 1 : 0, extra)).catch(() => undefined)
  }

  /** A ledger entry for this visit. */
  private entry(sent: bigint, delivered: bigint, packets: number, extra?: Unconfirmed): LedgerEntry | undefined {
    const asset = this.sourceAsset
    if (asset === null) return undefined
    const { site, receiver, tabRate } = this.io.facts()
    return {
      at: extra?.at ?? this.io.now(),
      site,
      receiver,
      source: asset,
      destination: extra === undefined ? this.destinationAsset : extra.destination,
      sent,
      delivered,
      unconfirmed: extra?.unconfirmed ?? 0n,
      // The visible time this money paid for, at the tab's whole rate (receivers of one page share it).
      ms: tabRate > 0n ? Number((sent * 3_600_000n) / tabRate) : 0,
      packets,
    }
  }

  /** The money's part of the visit's record; `slot` is the open connection, if any. */
  fields(slot: Slot | null): MoneyFields {
    const link = slot !== null
      // A record is written before each allowance: what is authorised bounds what was given.
      ? linkOf(slot, this.authorized > slot.given ? this.authorized : slot.given)
      : this.resumeLink
    return {
      counted: this.held.toString(),
      sent: this.sent.toString(),
      delivered: this.delivered.toString(),
      sourceAsset: this.sourceAsset,
      destinationAsset: this.destinationAsset,
      firstPaidAt: this.firstPaidAt,
      quantum: this.quantum.toString(),
      uncertain: this.uncertain.toString(),
      uncertainAt: this.uncertainAt,
      uncertainDestination: this.uncertainDestination,
      ...(link === null ? {} : { link }),
    }
  }
}

const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes))

/** The connection as a record remembers it, with `given` as the most it may have been given. */
function linkOf(slot: Slot, given: bigint): LinkState {
  return {
    destinationAccount: slot.destinationAccount,
    sharedSecret: toBase64(slot.sharedSecret),
    base: slot.base.toString(),
    given: given.toString(),
    sent: slot.payer.totalSent.toString(),
    delivered: (slot.streamBefore + slot.lastDelivered).toString(),
  }
}

/** The visit total that may have left through a closed connection: never more than it was given. */
function exposureOf(slot: Slot): bigint {
  const exposure = slot.payer.exposure
  if (exposure === undefined) return slot.given
  const total = slot.base + exposure
  return total < slot.given ? total : slot.given
}
