/**
 * A visit: one page load in one tab paying one receiver. It turns visible time into an allowance
 * (accrual.ts), walks SPSP → uplink → STREAM, retries with back-off, and survives worker restarts.
 *
 * The rule that makes restarts safe: an allowance is written to storage *before* the stream may send
 * it (`authorized`), and a restarted worker counts everything ever authorised as sent. Money in flight
 * when the worker dies is therefore under-paid by at most one chunk (about a second's worth), never
 * paid twice. Authorising early is always safe, so the first chunk is recorded while SPSP and the
 * uplink are still connecting, and its write is off the critical path.
 */
import type { Plugin } from 'ilp-protocol-stream/dist/src/util/plugin-interface'
import type { Asset } from '../../shared/money.ts'
import type { PaymentEvent } from '../../shared/messages.ts'
import type { PaymentTarget } from '../../shared/pointer.ts'
import type { Limit } from '../ledger/budget.ts'
import type { LedgerEntry } from '../ledger/ledger.ts'
import { errorMessage, type Result } from '../../shared/result.ts'
import type { PayPhase, TabStatus, TimelinePoint } from '../../shared/status.ts'
import { Accrual, HOUR_MS, LEAD_MS } from './accrual.ts'
import { VISIT_RECORD_VERSION, type LinkState, type VisitRecord } from '../ledger/visit-record.ts'

export type { LinkState, VisitRecord } from '../ledger/visit-record.ts'
import { Backoff } from './backoff.ts'
import { decodeSharedSecret, type SpspAnswer, type SpspFailure } from './spsp.ts'
import type { PayerOptions } from './stream-payer.ts'
import type { GuardStop } from './packet-guard.ts'

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

export interface VisitDeps {
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
  save(visit: Visit): Promise<void>
  /** The page's origin: the site this visit pays for (ledger, caps). */
  site?: string
  /** Simulator mode: no money moves (SimulatedPayer); labelled in the status. */
  simulated?: boolean
  /** How much more may be authorised for this visit's site now (budget.ts); unlimited when absent. */
  room?(): { room: bigint; limit: Limit }
  /**
   * How much more any visit of this tab may be authorised now (tab-meter.ts): the rate invariant's
   * ceiling, shared by every receiver, page and frame of the tab. Unlimited when absent.
   */
  tabRoom?(): bigint
  /** The visit's accrual started or stopped (the tab's meter follows its visits). */
  accrualChanged?(): void
  /** Why payment stopped at a limit, for the popup and the page's log. */
  limitReason?(limit: Limit): string
  /**
   * Writes a payment to the ledger together with the visit's record (one transaction), and charges it
   * to the budget in the same tick as the visit's hold shrinks. Falls back to `save` when absent.
   */
  record?(visit: Visit, entry: LedgerEntry): Promise<void>
  /** Remembers the receiver's unit for later visits (see `knownQuantum`). */
  learnt?(receiverUrl: string, quantum: bigint): void
  /** The receiver's unit as learnt on an earlier visit, so even a first packet has no dust. */
  knownQuantum?(receiverUrl: string): bigint | null
  /** The page's policy on where money may go, checked on the SPSP endpoint after redirects. */
  permits?(url: string): boolean
  /** What the page should hear about this payment (turned into Web Monetization events). */
  emit?(visit: Visit, event: VisitEvent): void
  now(): number
}

/** A payment event without its tag: the monetizer knows which tag the visit pays. */
export type VisitEvent = PaymentEvent extends infer E ? E extends { tag: unknown } ? Omit<E, 'tag'> : never : never

const toBase64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes))

/** How long a hidden tab keeps its connection before closing it (quick tab switches reuse it). */
export const PAUSE_GRACE_MS = 30_000
const TIMELINE_POINTS = 6
/** One packet per second per receiver, at most (measured from the previous fulfil). */
export const RAISE_INTERVAL_MS = 1000
/** While a chunk is still in flight, look again this often. */
const PENDING_RECHECK_MS = 100

/** The current connection. `given` is the visit total it has been allowed to reach (base + allowance). */
interface Slot {
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

/** How much of the time between a dead worker's last write and its successor's resumption is paid. */
export const RESUME_GAP_MS = 2000
/** Retry delays while the uplink cannot be reached. */
export const UPLINK_RETRY_DELAYS_MS = [500, 1000, 2000] as const
/** How far ahead the first chunk is pre-authorised, to cover the time SPSP and connecting take. */
const PREAUTHORIZE_MS = 1500
/**
 * Connections a receiver may refuse in a row (final rejects, or replies it made unreadable) before it
 * is stopped for this visit, as a 4xx SPSP answer stops it: its reason goes to the popup and the page.
 */
export const REFUSALS_TO_STOP = 3
/** How long a connection may sit with money pending after a final reject, or with the receiver at its receive limit, before that is a refusal. */
const STALLED_REFUSAL_MS = 2000

export class Visit {
  phase: PayPhase = 'resolving'
  reason: string | null = null
  sent = 0n
  delivered = 0n
  sourceAsset: Asset | null = null
  destinationAsset: Asset | null = null
  firstPaidAt: number | null = null

  private readonly accrual: Accrual
  /** Visit total covered by closed connections (fulfilled, or possibly in flight when they died). */
  private counted = 0n
  /** The connection of a dead worker, to reopen and ask what arrived (null once settled). */
  private resumeLink: LinkState | null = null
  /** Visit total authorised to leave; written to storage before any of it is given to a connection. */
  private authorized = 0n
  /** `authorized` as of the latest write that reached storage: no connection is ever given more. */
  private persisted = 0n
  private writesIssued = 0
  private writesDone = 0
  /**
   * Allowances grow in multiples of this many source units: the receiver's smallest unit, learnt from
   * fulfilled packets. Without it, every packet to a coarser asset loses its sub-unit remainder at
   * the connector (0.5 % at the default rate into a scale-6 account; everything into a scale-2 one).
   */
  private quantum = 1n
  /** This visit's part of the tab's rate: the tab's receivers share it, never multiply it. */
  private share = 1
  private slot: Slot | null = null
  /** Someone is looking at the page (visible tab, focused window, active user, not paused). */
  private looking = false
  /** The budget or the site's cap is reached: nothing accrues until there is room again. */
  private limited: Limit | null = null
  private limitTimer: ReturnType<typeof setTimeout> | undefined
  /** Why nobody is looking, as last told (the popup's wording while paused). */
  private pausedWhy = 'The tab is hidden.'
  private attempt: AbortController | null = null
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private graceTimer: ReturnType<typeof setTimeout> | undefined
  private raiseTimer: ReturnType<typeof setTimeout> | undefined
  private raising = false
  private lastRaiseAt = Number.NEGATIVE_INFINITY
  private stopped = false
  private readonly backoff = new Backoff()
  /**
   * The user's own uplink being unreachable is not the receiver's fault and passes: it is retried
   * often (every 2 s at most) and never given up on, so payment resumes within seconds of a connector
   * restart or a network coming back. Connection attempts are not packets: no receiver sees them.
   */
  private readonly uplinkBackoff = new Backoff(UPLINK_RETRY_DELAYS_MS, Number.POSITIVE_INFINITY)
  private readonly timeline: { point: TimelinePoint; at: number }[] = []
  /** Confirmed payments whose ledger write failed: they ride along with the next write. */
  /** The SPSP endpoint actually paid (after redirects): the event's `paymentPointer`. */
  private paidUrl: string | null = null
  /**
   * Part of `counted − sent` already in the ledger as unconfirmed: a reply was lost, so the money may
   * have arrived. It is charged to the budget then, and corrected (same day's row) if the receiver
   * later says it arrived.
   */
  private uncertain = 0n
  private uncertainAt: number | null = null
  /** The receiver's asset the unconfirmed entry was written under (its row's identity). */
  private uncertainDestination: Asset | null = null
  /** Connections in a row the receiver refused (see REFUSALS_TO_STOP). */
  private refusals = 0
  /** Stopped and closed: its settlement owns what is unconfirmed; a late fulfil changes nothing. */
  private finished = false

  constructor(
    readonly tabId: number,
    public visitId: string,
    readonly target: PaymentTarget,
    readonly seenAt: number,
    private deps: VisitDeps,
    record?: VisitRecord,
  ) {
    if (record === undefined) {
      this.accrual = new Accrual()
      this.quantum = deps.knownQuantum?.(target.url) ?? 1n
      return
    }
    this.accrual = Accrual.fromJson(record.accrual)
    // A restart's usual gap (the last write, the kill, the page reconnecting: well under 2 s) is paid
    // as the visible time it was; anything longer is not owed: accrual stops RESUME_GAP_MS after the
    // record's last write and starts again when the page says it is looked at. Without the bound, a
    // worker that was down (or stuck) for a while would pay the whole gap in one burst on its return.
    this.accrual.hide(Math.min(deps.now(), (record.savedAt ?? record.accrual.visibleSince ?? 0) + RESUME_GAP_MS))
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

  get visible(): boolean { return this.looking }

  get site(): string { return this.deps.site ?? '' }

  get simulated(): boolean { return this.deps.simulated === true }

  /**
   * What this visit holds against the budget: everything authorised (or counted as possibly sent)
   * that no fulfil has confirmed yet.
   */
  get outstanding(): bigint {
    const held = this.held - this.sent - this.uncertain
    return held > 0n ? held : 0n
  }

  /** The visit total that may have left: everything authorised, or counted as possibly sent. */
  get held(): bigint { return this.authorized > this.counted ? this.authorized : this.counted }

  /**
   * The visit total that may actually have left: what connections were given, or counted as possibly
   * sent. Authorised but not yet given is not in it (it cannot leave before it is given); the tab's
   * meter counts this, the budget counts `held`.
   */
  get exposed(): bigint {
    const slot = this.slot
    const given = slot === null ? 0n : slot.claimed > slot.given ? slot.claimed : slot.given
    return given > this.counted ? given : this.counted
  }

  /**
   * What a restored visit's own record says it is owed beyond what it counts (the gap of the restart,
   * and its leading second): its tab's new meter starts with this much room, so a restart under-pays
   * nothing and a tag swapped across it gets no second twice.
   */
  restoredCredit(): bigint {
    const rate = this.accrual.rate
    if (rate === null) return 0n
    const owed = this.accrual.accrued(this.deps.now()) + (rate * BigInt(LEAD_MS)) / HOUR_MS - this.exposed
    return owed > 0n ? owed : 0n
  }

  /** Someone is looking and no limit is reached: visible time accrues (the tab's meter runs). */
  get accruing(): boolean { return this.accrual.visible }


  /**
   * A new page of the same site in the same tab carries this visit on (reload, same-site navigation).
   * A new page is the person's "try again": refusals and failures counted on the last page start
   * afresh, or a visit carried on between its second and third refusal would give up just after the
   * reload that should have retried it.
   */
  rebind(visitId: string, deps: VisitDeps): void {
    this.visitId = visitId
    this.deps = deps
    this.refusals = 0
    this.backoff.reset()
  }

  /** It stopped trying (the receiver refused, or every retry failed): only a new visit tries again. */
  get gaveUp(): boolean { return this.phase === 'failed' }

  /** Time accrues only while someone looks and no limit is reached. */
  private syncAccrual(now: number): void {
    if (this.looking && this.limited === null) this.accrual.show(now)
    else this.accrual.hide(now)
    this.deps.accrualChanged?.()
  }

  /**
   * Caps an allowance (a visit total) at what the budget and the site's cap still allow. Returns the
   * ceiling and, when it binds, which limit it is.
   */
  private ceiling(): { ceiling: bigint; limit: Limit | null } {
    const budget = this.budgetCeiling()
    const tab = this.deps.tabRoom?.()
    // The tab's meter binding is pacing, not a limit: the next second brings room again.
    if (tab !== undefined && this.exposed + tab < budget.ceiling) return { ceiling: this.exposed + tab, limit: null }
    return budget
  }

  /** The budget's and the site cap's part of the ceiling alone. */
  private budgetCeiling(): { ceiling: bigint; limit: Limit | null } {
    const r = this.deps.room?.()
    if (r === undefined) return { ceiling: BigInt(Number.MAX_SAFE_INTEGER) ** 2n, limit: null }
    return { ceiling: this.held + r.room, limit: r.limit }
  }

  /** Stops accruing at a limit; looks again every second whether there is room. */
  private enterLimit(limit: Limit): void {
    if (this.stopped) return
    const entering = this.limited === null
    this.limited = limit
    if (entering) {
      this.syncAccrual(this.deps.now())
      if (this.looking) this.deps.emit?.(this, { event: 'paused' })
      this.startGrace()
    }
    this.setPhase('limit', this.deps.limitReason?.(limit) ?? 'The budget is used up.')
    clearTimeout(this.limitTimer)
    this.limitTimer = setTimeout(() => { this.checkLimit() }, RAISE_INTERVAL_MS)
  }

  private checkLimit(): void {
    this.limitTimer = undefined
    if (this.limited === null || this.stopped) return
    const { ceiling, limit } = this.budgetCeiling()
    if (ceiling <= this.held) {
      this.enterLimit(limit ?? this.limited)
      return
    }
    this.limited = null
    if (!this.looking) {
      this.setPhase('paused', this.pausedWhy)
      return
    }
    this.setVisible(true)
  }

  private startGrace(): void {
    if (this.slot !== null && this.graceTimer === undefined) {
      this.graceTimer = setTimeout(() => {
        this.graceTimer = undefined
        void this.closePayer()
      }, PAUSE_GRACE_MS)
    }
  }

  /** `why` is what the popup says while nobody is looking. */
  setVisible(visible: boolean, why = 'The tab is hidden.'): void {
    if (this.stopped) return
    const now = this.deps.now()
    if (visible) {
      const wasLooking = this.looking
      this.looking = true
      if (this.limited !== null) {
        if (!wasLooking) this.checkLimit()
        return
      }
      this.syncAccrual(now)
      clearTimeout(this.graceTimer)
      this.graceTimer = undefined
      if (this.slot !== null) {
        this.setPhase(this.slot.paid ? 'paying' : 'connecting', null)
        this.deps.emit?.(this, { event: 'pending' })
        void this.raise()
      } else {
        this.connect() // sets its own phase once it starts
      }
      return
    }
    if (this.looking && this.limited === null) this.deps.emit?.(this, { event: 'paused' })
    this.looking = false
    this.pausedWhy = why
    this.syncAccrual(now)
    clearTimeout(this.raiseTimer)
    this.raiseTimer = undefined
    if (this.phase !== 'failed' && this.phase !== 'no-uplink' && this.phase !== 'limit') this.setPhase('paused', why)
    this.startGrace()
  }

  /** The uplink or its configuration changed: drop the connection and build a new one. */
  async reconnect(): Promise<void> {
    this.attempt?.abort()
    this.attempt = null
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    this.backoff.reset()
    this.uplinkBackoff.reset()
    await this.closePayer()
    if (this.phase === 'failed' || this.phase === 'no-uplink') this.setPhase('resolving', null)
    if (this.visible) this.connect()
  }

  private rateFor(asset: Asset): bigint | null {
    const rate = this.deps.ratePerHour(asset)
    return rate === null ? null : rate / BigInt(this.share)
  }

  /** The page now has `receivers` receivers being paid: from now on this one gets 1/receivers of the rate. */
  setShare(receivers: number): void {
    const next = Math.max(1, Math.floor(receivers))
    if (next === this.share) return
    this.share = next
    this.rateChanged()
  }

  /** The configured rate changed: price visible time at the new rate from now on. */
  rateChanged(): void {
    const asset = this.sourceAsset ?? (this.accrual.rate === null ? null : this.deps.uplinkAsset())
    if (asset === null) return
    const rate = this.rateFor(asset)
    if (rate !== null) this.accrual.setRate(rate, this.deps.now())
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.attempt?.abort()
    this.attempt = null
    for (const t of [this.retryTimer, this.graceTimer, this.raiseTimer, this.limitTimer]) clearTimeout(t)
    await this.closePayer()
    this.finished = true
  }

  private connect(): void {
    if (this.stopped || this.slot !== null || this.attempt !== null || this.retryTimer !== undefined) return
    if (this.phase === 'failed' || this.limited !== null) return
    if (!this.deps.uplinkConfigured()) {
      this.setPhase('no-uplink', 'No Interledger account is set up yet: add your uplink in Trickle\'s options.')
      return
    }
    const attempt = new AbortController()
    this.attempt = attempt
    this.runAttempt(attempt.signal)
      .catch((e: unknown) => this.failed(`Unexpected error: ${errorMessage(e)}`, true))
      .finally(() => {
        if (this.attempt === attempt) this.attempt = null
      })
  }

  private async runAttempt(signal: AbortSignal): Promise<void> {
    this.setPhase('resolving', null)
    this.mark('start')
    this.deps.emit?.(this, { event: 'pending' })
    this.preauthorize()
    // SPSP and the uplink are independent: ask and connect at once (the plugin is dropped if SPSP fails).
    const pluginPromise = this.deps.connectPlugin(signal).then(
      (plugin) => { this.mark('uplink'); return { plugin, error: null } },
      (e: unknown) => ({ plugin: null, error: errorMessage(e) }),
    )
    // After a restart with money possibly in flight, reopen the very connection it went out on.
    const link = this.resumeLink
    const secret = link === null ? null : decodeSharedSecret(link.sharedSecret)
    const spsp = link !== null && secret !== null
      ? { ok: true as const, value: { destinationAccount: link.destinationAccount, sharedSecret: secret, finalUrl: this.target.url } }
      : await this.deps.querySpsp(this.target.url, signal)
    this.mark('spsp')
    if (signal.aborted || !spsp.ok) {
      const { plugin } = await pluginPromise
      await plugin?.disconnect().catch(() => undefined)
      if (!signal.aborted && !spsp.ok) this.failed(spsp.error.message, spsp.error.retryable)
      return
    }
    if (this.deps.permits?.(spsp.value.finalUrl) === false) {
      const { plugin } = await pluginPromise
      await plugin?.disconnect().catch(() => undefined)
      this.failed('The receiver redirected outside what this page\'s Content-Security-Policy (monetization-src) allows.', false)
      return
    }
    this.paidUrl = spsp.value.finalUrl
    this.deps.emit?.(this, { event: 'resolved', paymentPointer: spsp.value.finalUrl })
    this.setPhase('connecting', null)
    const { plugin, error } = await pluginPromise
    if (plugin === null) {
      if (!signal.aborted) this.failed(error ?? 'The uplink is not available.', true, this.uplinkBackoff)
      return
    }
    let slot: Slot | null = null
    let payer: Payer
    try {
      payer = await this.deps.openPayer({
        plugin,
        destinationAccount: spsp.value.destinationAccount,
        sharedSecret: spsp.value.sharedSecret,
        onFulfilled: (source, deliveredTotal, remoteTotal, deliveryUnknown) => { if (slot !== null) this.fulfilled(slot, source, deliveredTotal, remoteTotal, deliveryUnknown) },
        onClosed: (error, stop) => { if (slot !== null) this.payerClosed(slot, error, stop) },
      })
    } catch (e) {
      await plugin.disconnect().catch(() => undefined)
      // The old connection cannot be reopened: what was in flight stays unconfirmed; start afresh.
      this.resumeLink = null
      if (!signal.aborted) this.failed(`Could not open a STREAM connection to the receiver: ${errorMessage(e)}`, true)
      return
    }
    this.mark('stream')
    if (signal.aborted || this.stopped) {
      await payer.close()
      return
    }
    this.deps.reportUplinkConnected(payer.sourceAsset, payer.sourceAddress)
    if (this.sourceAsset !== null && (this.sourceAsset.code !== payer.sourceAsset.code || this.sourceAsset.scale !== payer.sourceAsset.scale)) {
      await payer.close()
      this.failed('The uplink\'s currency changed during this visit; reload the page to pay in the new one.', false)
      return
    }
    const rate = this.rateFor(payer.sourceAsset)
    if (rate === null) {
      await payer.close()
      this.failed(`The rate cannot be expressed in ${payer.sourceAsset.code} at scale ${payer.sourceAsset.scale}.`, false)
      return
    }
    this.sourceAsset = payer.sourceAsset
    this.destinationAsset ??= payer.destinationAsset
    // The receiver's asset is known once connected: a coarser scale of the same currency gives its
    // unit before any packet, so even the first one carries no dust.
    if (this.quantum === 1n) this.quantum = scaleQuantum(payer.sourceAsset, payer.destinationAsset)
    this.accrual.setRate(rate, this.deps.now())
    slot = {
      payer, base: this.counted, given: this.counted, deliveredBase: this.delivered, lastDelivered: 0n, paid: false,
      destinationAccount: spsp.value.destinationAccount, sharedSecret: spsp.value.sharedSecret, check: link,
      streamBefore: link === null ? 0n : BigInt(link.delivered),
      claimed: this.counted,
    }
    this.resumeLink = null
    this.slot = slot
    if (this.visible) {
      await this.raise()
    } else {
      this.setVisible(false)
    }
  }

  /**
   * Records the first chunk (and the time connecting will take) before the connection exists, so the
   * first allowance does not wait for a storage write. Only possible once the uplink's asset is known.
   */
  private preauthorize(): void {
    const asset = this.sourceAsset ?? this.deps.uplinkAsset()
    if (asset === null || !this.visible) return
    if (this.accrual.rate === null) {
      const rate = this.rateFor(asset)
      if (rate === null) return
      this.accrual.setRate(rate, this.deps.now())
    }
    const wanted = this.accrual.accrued(this.deps.now() + LEAD_MS + PREAUTHORIZE_MS)
    // Bounded by the tab's meter too (it counts what was given, not what is authorised, so this takes
    // nothing from the tab's other visits): a visit retrying through a long outage must not hold, and
    // at its end charge, the whole outage against the budget.
    // The meter's room plus the connecting time itself, so the first raise finds its amount already
    // on disk (no write on the first payment's path).
    const { ceiling: meterCeiling } = this.ceiling()
    const rate = this.accrual.rate ?? 0n
    const margin = meterCeiling + (rate * BigInt(PREAUTHORIZE_MS)) / HOUR_MS
    const { ceiling: budgetCeiling } = this.budgetCeiling()
    const ceiling = margin < budgetCeiling ? margin : budgetCeiling
    const ahead = wanted < ceiling ? wanted : ceiling
    if (ahead <= this.authorized) return
    this.authorized = ahead
    // If this write fails, nothing was given on its strength: raise() writes again before giving.
    this.persist().catch(() => undefined)
  }

  /** Writes the current record; once it lands, `persisted` covers what it recorded. */
  private async persist(entry?: LedgerEntry): Promise<void> {
    const seq = ++this.writesIssued
    const recorded = this.authorized
    await (entry !== undefined && this.deps.record !== undefined ? this.deps.record(this, entry) : this.deps.save(this))
    if (seq > this.writesDone) {
      this.writesDone = seq
      this.persisted = recorded
    }
  }

  /** Raises the allowance to what visible time has earned (plus the current second), at most once a second. */
  private async raise(): Promise<void> {
    const slot = this.slot
    clearTimeout(this.raiseTimer)
    this.raiseTimer = undefined
    if (slot === null || !slot.payer.isOpen || !this.visible || this.raising || this.stopped) return
    if (slot.payer.pending > 0n) {
      // A receiver that answered F99 and stopped taking money (its STREAM receive max reached) leaves
      // the library waiting for ever, quietly: after a moment that is a refusal like any other.
      const refusal = slot.payer.refusal ?? null
      if (refusal !== null && this.deps.now() - this.lastRaiseAt >= STALLED_REFUSAL_MS) {
        void this.refusedBy(slot, refusal)
        return
      }
      // The last chunk has not settled: never stack allowances on a connection that is not moving money.
      this.scheduleRaise(PENDING_RECHECK_MS)
      return
    }
    const now = this.deps.now()
    const wait = this.lastRaiseAt + RAISE_INTERVAL_MS - now
    if (wait > 0) {
      this.scheduleRaise(wait)
      return
    }
    // Whole receiver units only; the remainder stays accrued and leaves with a later packet.
    const earned = this.accrual.accrued(now + LEAD_MS)
    let target = earned > slot.given ? slot.given + ((earned - slot.given) / this.quantum) * this.quantum : earned
    // The budget and the site's cap bind before anything else: a partial last chunk is fine.
    const { ceiling, limit } = this.ceiling()
    if (target > ceiling) {
      // The tab's meter paces in whole receiver units too (a sub-unit remainder would be lost at the
      // connector); only a limit's last chunk may be partial.
      target = limit === null && ceiling > slot.given ? slot.given + ((ceiling - slot.given) / this.quantum) * this.quantum : ceiling
    }
    if (target <= slot.given && earned > slot.given && limit !== null && ceiling <= slot.given) {
      this.enterLimit(limit)
      return
    }
    if (target > slot.given) {
      if (target > this.authorized) this.authorized = target
      slot.claimed = target
      if (target > this.persisted) {
        // Not yet on disk (no pre-authorisation, or it is still being written): write and wait.
        this.raising = true
        try {
          await this.persist()
        } catch (e) {
          this.authorized = this.persisted > slot.given ? this.persisted : slot.given
          slot.claimed = slot.given
          this.raising = false
          this.failed(`Could not record the payment before sending it: ${errorMessage(e)}`, true)
          return
        }
        this.raising = false
      }
      if (this.slot !== slot || !slot.payer.isOpen || this.stopped) return
      this.lastRaiseAt = now
      slot.given = target
      slot.payer.allow(target - slot.base)
      this.mark('allowed')
    }
    if (this.visible) this.scheduleRaise(RAISE_INTERVAL_MS)
  }

  private scheduleRaise(delay: number): void {
    clearTimeout(this.raiseTimer)
    this.raiseTimer = setTimeout(() => { void this.raise() }, delay)
  }

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
    this.record(left, arrived, resolved > 0n ? { unconfirmed: -resolved, at: this.uncertainAt ?? this.deps.now(), destination: this.uncertainDestination } : undefined)
  }

  /**
   * A reply was lost: what may have left and is not confirmed goes to the ledger as unconfirmed now,
   * charged to the budget, and the visit keeps the connection to ask the receiver later.
   */
  private recordUncertain(): void {
    const amount = this.counted - this.sent - this.uncertain
    if (amount <= 0n || this.sourceAsset === null) return
    if (this.uncertain === 0n) {
      this.uncertainAt = this.deps.now()
      this.uncertainDestination = this.destinationAsset
    }
    this.uncertain += amount
    this.record(0n, 0n, { unconfirmed: amount, at: this.uncertainAt ?? this.deps.now(), destination: this.uncertainDestination })
  }

  /**
   * Books a confirmed payment (or money that may have left) with the visit's record. If the write
   * fails, the payment book keeps the entry for the next write (or the visit's settlement).
   */
  private record(sent: bigint, delivered: bigint, extra?: { unconfirmed: bigint; at: number; destination: Asset | null }): void {
    const entry = this.entry(sent, delivered, sent > 0n ? 1 : 0, extra)
    this.persist(entry).catch(() => undefined)
  }

  /** A ledger entry for this visit. */
  private entry(sent: bigint, delivered: bigint, packets: number, extra?: { unconfirmed: bigint; at: number; destination: Asset | null }): LedgerEntry | undefined {
    const asset = this.sourceAsset
    if (asset === null) return undefined
    const tabRate = (this.accrual.rate ?? 0n) * BigInt(this.share)
    return {
      at: extra?.at ?? this.deps.now(),
      site: this.site,
      receiver: this.target.url,
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

  private fulfilled(slot: Slot, source: bigint, deliveredTotal: bigint, remoteTotal: bigint | null = null, deliveryUnknown = false): void {
    // A reply after the visit was settled: the money is in the ledger as unconfirmed (and charged);
    // recording it again would charge it twice and bring the settled record back.
    if (this.finished) return
    const receivedNow = deliveredTotal - slot.lastDelivered
    this.destinationAsset ??= slot.payer.destinationAsset
    // First settle what a dead worker left in flight, against the totals from before this packet.
    this.reconcile(slot, deliveredTotal, remoteTotal)
    this.sent += source
    this.delivered = slot.deliveredBase + deliveredTotal
    // A packet whose delivery is unknown says nothing about the receiver's unit.
    if (!deliveryUnknown) {
      this.quantum = learnQuantum(source, deliveredTotal - slot.lastDelivered, this.quantum, this.sourceAsset?.scale ?? 0)
      this.deps.learnt?.(this.target.url, this.quantum)
    }
    slot.lastDelivered = deliveredTotal
    // Space raises from the fulfil, not the send: packets then reach the receiver at least a second
    // apart, whatever the path's latency jitter. The amount stays wall-clock exact either way.
    if (this.slot === slot) this.lastRaiseAt = Math.max(this.lastRaiseAt, this.deps.now())
    this.mark('fulfilled')
    this.firstPaidAt ??= this.deps.now()
    if (this.slot === slot && !deliveryUnknown) {
      slot.paid = true
      this.backoff.reset()
      this.uplinkBackoff.reset()
      if (source > 0n) this.refusals = 0
      if (this.visible) this.setPhase('paying', null)
    }
    this.record(source, receivedNow)
    if (this.sourceAsset !== null && source > 0n) {
      const dest = this.destinationAsset
      this.deps.emit?.(this, {
        event: 'paid',
        paymentPointer: this.paidUrl ?? this.target.url,
        sent: { value: source.toString(), code: this.sourceAsset.code, scale: this.sourceAsset.scale },
        received: dest === null ? null : { value: receivedNow.toString(), code: dest.code, scale: dest.scale },
      })
    }
  }

  /** Closes a connection whose receiver refuses and counts it like any refused connection. */
  private async refusedBy(slot: Slot, reason: string): Promise<void> {
    if (this.slot !== slot) return
    await this.closePayer()
    if (this.stopped) return
    if (++this.refusals >= REFUSALS_TO_STOP) this.failed(`${reason} Trickle stopped paying this receiver; reload the page to try again.`, false)
    else this.failed(reason, true)
  }

  private payerClosed(slot: Slot, error: string | null, stop?: GuardStop): void {
    if (this.slot !== slot) return
    this.slot = null
    clearTimeout(this.raiseTimer)
    this.raiseTimer = undefined
    // It died on its own: whatever may have left counts; it is never paid twice. Authorisation never
    // given to it is withdrawn (a stale record only counts more, never less).
    this.counted = exposureOf(slot)
    this.authorized = this.counted
    if (this.counted > this.sent) {
      // Ask the receiver on the same connection, next time, what arrived (see reconcile).
      this.resumeLink = linkOf(slot, this.counted)
    }
    if (stop?.unknown === true) this.recordUncertain()
    else this.persist().catch(() => undefined)
    if (this.stopped) return
    if (stop?.refused === true && ++this.refusals >= REFUSALS_TO_STOP) {
      this.failed(`${stop.reason} Trickle stopped paying this receiver; reload the page to try again.`, false)
      return
    }
    this.failed(stop?.reason ?? error ?? 'The connection closed.', true, stop?.uplink === true ? this.uplinkBackoff : this.backoff)
  }

  /** Closes the connection on our initiative; if it settled cleanly, unspent allowance is withdrawn. */
  private async closePayer(): Promise<void> {
    const slot = this.slot
    if (slot === null) {
      // No connection: nothing was given beyond what is counted; authorisation beyond it is withdrawn.
      this.authorized = this.counted
      return
    }
    this.slot = null
    clearTimeout(this.raiseTimer)
    this.raiseTimer = undefined
    const settled = await slot.payer.close()
    // Settled: exactly what was fulfilled. Not settled: what may have left (all it was given, unless
    // its guard saw every packet).
    this.counted = settled && slot.payer.exposure === undefined ? slot.base + slot.payer.totalSent : exposureOf(slot)
    // Nothing is connected now, so the record may come down to what is known, withdrawing unspent
    // authorisation; the next connection authorises (and records) afresh.
    this.authorized = this.counted
    if (!this.stopped) await this.persist().catch(() => undefined)
  }

  private failed(reason: string, retryable: boolean, backoff = this.backoff): void {
    if (this.stopped) return
    if (!retryable) {
      this.setPhase('failed', reason)
      this.deps.emit?.(this, { event: 'failed', reason })
      return
    }
    const delay = backoff.fail()
    if (delay === null) {
      this.setPhase('failed', `${reason} Gave up after ${backoff.count} attempts; reload the page to try again.`)
      this.deps.emit?.(this, { event: 'failed', reason })
      return
    }
    this.setPhase('retrying', `${reason} Trying again in ${delay / 1000} s.`)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      if (this.visible) this.connect()
    }, delay)
  }

  /** Records when this visit first reached a step of its first payment (seen in the status). */
  private mark(point: TimelinePoint): void {
    if (this.timeline.length < TIMELINE_POINTS && !this.timeline.some((t) => t.point === point)) {
      this.timeline.push({ point, at: this.deps.now() })
    }
  }

  private setPhase(phase: PayPhase, reason: string | null): void {
    this.phase = phase
    this.reason = reason
  }

  status(): TabStatus {
    return {
      kind: 'monetized',
      phase: this.phase,
      reason: this.reason,
      receiverHost: this.target.host,
      input: this.target.input,
      sent: this.sourceAsset === null ? null : { value: this.sent.toString(), code: this.sourceAsset.code, scale: this.sourceAsset.scale },
      delivered: this.destinationAsset === null ? null : { value: this.delivered.toString(), code: this.destinationAsset.code, scale: this.destinationAsset.scale },
      seenAt: this.seenAt,
      firstPaidAt: this.firstPaidAt,
      timeline: [...this.timeline],
      ...(this.simulated ? { simulated: true as const } : {}),
    }
  }

  toRecord(): VisitRecord {
    return {
      v: VISIT_RECORD_VERSION,
      savedAt: this.deps.now(),
      tabId: this.tabId,
      visitId: this.visitId,
      input: this.target.input,
      seenAt: this.seenAt,
      accrual: this.accrual.toJson(),
      counted: this.held.toString(),
      sent: this.sent.toString(),
      delivered: this.delivered.toString(),
      sourceAsset: this.sourceAsset,
      destinationAsset: this.destinationAsset,
      firstPaidAt: this.firstPaidAt,
      quantum: this.quantum.toString(),
      site: this.site,
      uncertain: this.uncertain.toString(),
      uncertainAt: this.uncertainAt,
      uncertainDestination: this.uncertainDestination,
      ...this.linkState(),
    }
  }

  private linkState(): { link?: LinkState } {
    const slot = this.slot
    if (slot !== null) {
      // A record is written before each allowance: what is authorised bounds what was given.
      return { link: linkOf(slot, this.authorized > slot.given ? this.authorized : slot.given) }
    }
    return this.resumeLink === null ? {} : { link: this.resumeLink }
  }
}

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

/** One unit of `destination` in units of `source`, when they are one currency at two scales; else 1. */
export function scaleQuantum(source: Asset, destination: Asset | null): bigint {
  if (destination === null || destination.code !== source.code || destination.scale >= source.scale) return 1n
  return 10n ** BigInt(source.scale - destination.scale)
}

/**
 * The receiver's smallest unit in source units, from one fulfilled packet: the power of ten nearest to
 * source ÷ delivered (exact when the assets differ by scale only, as is common; across currencies the
 * remainder per packet stays under one receiver unit). A packet that delivered nothing means the unit
 * is larger than the packet: see below.
 */
export function learnQuantum(source: bigint, delivered: bigint, current: bigint, sourceScale = 0): bigint {
  if (source <= 0n) return current
  if (delivered <= 0n) {
    // The unit is larger than this packet. Guessing one power of ten at a time would lose a packet
    // per guess; jump to a hundredth of the source's unit (a cent, for most currencies), which
    // whole-cent accounts can receive; the next packet's answer refines it downwards.
    const cent = 10n ** BigInt(Math.max(0, sourceScale - 2))
    const above = 10n ** BigInt(source.toString().length)
    return cent > above ? cent : above
  }
  // Deciding a rounding unit, not an amount: a float ratio is fine here.
  const exponent = Math.max(0, Math.round(Math.log10(Number(source) / Number(delivered))))
  return 10n ** BigInt(exponent)
}
