/**
 * A visit: one page load in one tab paying one receiver. It turns visible time into an allowance
 * (accrual.ts), walks SPSP → uplink → STREAM, retries with back-off, and survives worker restarts.
 *
 * The rule that makes restarts safe: an allowance is written to storage *before* the stream may send
 * it, and a restarted worker counts everything ever allowed as sent. Money in flight when the worker
 * dies can therefore be under-counted by at most one chunk (about a second's worth), never paid twice.
 */
import type { Plugin } from 'ilp-protocol-stream/dist/src/util/plugin-interface'
import type { Amount, Asset } from '../shared/money.ts'
import type { PaymentTarget } from '../shared/pointer.ts'
import { errorMessage, type Result } from '../shared/result.ts'
import type { PayPhase, TabStatus } from '../shared/status.ts'
import { Accrual, LEAD_MS, type AccrualJson } from './accrual.ts'
import { Backoff } from './backoff.ts'
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
  allow(total: bigint): void
  /** Resolves true when nothing was left in flight. */
  close(): Promise<boolean>
}

export interface VisitDeps {
  uplinkConfigured(): boolean
  connectPlugin(signal: AbortSignal): Promise<Plugin>
  reportUplinkConnected(asset: Asset, address: string): void
  querySpsp(url: string, signal: AbortSignal): Promise<Result<SpspAnswer, SpspFailure>>
  openPayer(opts: PayerOptions): Promise<Payer>
  /** The configured rate in units per hour of `asset`, or null if it cannot be expressed in it. */
  ratePerHour(asset: Asset): bigint | null
  save(visit: Visit): Promise<void>
  /** A packet was fulfilled: `source` left the uplink, the receiver now has `delivered` in total. */
  paid?(visit: Visit, source: Amount, delivered: Amount | null): void
  now(): number
}

export interface VisitRecord {
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
}

/** How long a hidden tab keeps its connection before closing it (quick tab switches reuse it). */
export const PAUSE_GRACE_MS = 30_000
/** One packet per second per receiver, at most. */
export const RAISE_INTERVAL_MS = 1000
/** While a chunk is still in flight, look again this often. */
const PENDING_RECHECK_MS = 100

interface Slot { payer: Payer; base: bigint; deliveredBase: bigint; paid: boolean }

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
  /** High-water mark of the allowance, visit total. Never below `counted`. */
  private authorized = 0n
  private slot: Slot | null = null
  private attempt: AbortController | null = null
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private graceTimer: ReturnType<typeof setTimeout> | undefined
  private raiseTimer: ReturnType<typeof setTimeout> | undefined
  private raising = false
  private stopped = false
  private readonly backoff = new Backoff()

  constructor(
    readonly tabId: number,
    readonly visitId: string,
    readonly target: PaymentTarget,
    readonly seenAt: number,
    private readonly deps: VisitDeps,
    record?: VisitRecord,
  ) {
    if (record === undefined) {
      this.accrual = new Accrual()
      return
    }
    this.accrual = Accrual.fromJson(record.accrual)
    this.counted = BigInt(record.counted)
    this.authorized = this.counted
    this.sent = BigInt(record.sent)
    this.delivered = BigInt(record.delivered)
    this.sourceAsset = record.sourceAsset
    this.destinationAsset = record.destinationAsset
    this.firstPaidAt = record.firstPaidAt
  }

  get visible(): boolean { return this.accrual.visible }
  get allowedTotal(): bigint { return this.authorized }

  setVisible(visible: boolean): void {
    if (this.stopped) return
    const now = this.deps.now()
    if (visible) {
      this.accrual.show(now)
      clearTimeout(this.graceTimer)
      this.graceTimer = undefined
      if (this.slot !== null) {
        this.setPhase(this.slot.paid ? 'paying' : 'connecting', null)
        void this.raise()
      } else if (this.phase === 'paused') {
        this.setPhase('resolving', null)
        this.connect()
      } else {
        this.connect()
      }
      return
    }
    this.accrual.hide(now)
    clearTimeout(this.raiseTimer)
    this.raiseTimer = undefined
    if (this.phase !== 'failed' && this.phase !== 'no-uplink') this.setPhase('paused', 'The tab is hidden.')
    if (this.slot !== null && this.graceTimer === undefined) {
      this.graceTimer = setTimeout(() => {
        this.graceTimer = undefined
        void this.closePayer()
      }, PAUSE_GRACE_MS)
    }
  }

  /** The uplink or its configuration changed: drop the connection and build a new one. */
  async reconnect(): Promise<void> {
    this.attempt?.abort()
    this.attempt = null
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    this.backoff.reset()
    await this.closePayer()
    if (this.phase === 'failed' || this.phase === 'no-uplink') this.setPhase('resolving', null)
    if (this.visible) this.connect()
  }

  /** The configured rate changed: price visible time at the new rate from now on. */
  rateChanged(): void {
    if (this.sourceAsset === null) return
    const rate = this.deps.ratePerHour(this.sourceAsset)
    if (rate !== null) this.accrual.setRate(rate, this.deps.now())
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.attempt?.abort()
    this.attempt = null
    for (const t of [this.retryTimer, this.graceTimer, this.raiseTimer]) clearTimeout(t)
    await this.closePayer()
  }

  private connect(): void {
    if (this.stopped || this.slot !== null || this.attempt !== null || this.retryTimer !== undefined) return
    if (this.phase === 'failed') return
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
    const spsp = await this.deps.querySpsp(this.target.url, signal)
    if (signal.aborted) return
    if (!spsp.ok) {
      this.failed(spsp.error.message, spsp.error.retryable)
      return
    }
    this.setPhase('connecting', null)
    let plugin: Plugin
    try {
      plugin = await this.deps.connectPlugin(signal)
    } catch (e) {
      if (!signal.aborted) this.failed(errorMessage(e), true)
      return
    }
    let slot: Slot | null = null
    let payer: Payer
    try {
      payer = await this.deps.openPayer({
        plugin,
        destinationAccount: spsp.value.destinationAccount,
        sharedSecret: spsp.value.sharedSecret,
        onFulfilled: (source, deliveredTotal) => { if (slot !== null) this.fulfilled(slot, source, deliveredTotal) },
        onClosed: (error) => { if (slot !== null) this.payerClosed(slot, error) },
      })
    } catch (e) {
      await plugin.disconnect().catch(() => undefined)
      if (!signal.aborted) this.failed(`Could not open a STREAM connection to the receiver: ${errorMessage(e)}`, true)
      return
    }
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
    const rate = this.deps.ratePerHour(payer.sourceAsset)
    if (rate === null) {
      await payer.close()
      this.failed(`The rate cannot be expressed in ${payer.sourceAsset.code} at scale ${payer.sourceAsset.scale}.`, false)
      return
    }
    this.sourceAsset = payer.sourceAsset
    this.accrual.setRate(rate, this.deps.now())
    this.counted = this.authorized
    slot = { payer, base: this.counted, deliveredBase: this.delivered, paid: false }
    this.slot = slot
    if (this.visible) {
      await this.raise()
    } else {
      this.setVisible(false)
    }
  }

  /** Raises the allowance to what visible time has earned (plus the current second), at most once a second. */
  private async raise(): Promise<void> {
    const slot = this.slot
    clearTimeout(this.raiseTimer)
    this.raiseTimer = undefined
    if (slot === null || !slot.payer.isOpen || !this.visible || this.raising || this.stopped) return
    if (slot.payer.pending > 0n) {
      // The last chunk has not settled: never stack allowances on a connection that is not moving money.
      this.scheduleRaise(PENDING_RECHECK_MS)
      return
    }
    const now = this.deps.now()
    const target = this.accrual.accrued(now + LEAD_MS)
    if (target > this.authorized) {
      this.raising = true
      const previous = this.authorized
      this.authorized = target
      try {
        await this.deps.save(this)
      } catch (e) {
        this.authorized = previous
        this.raising = false
        this.failed(`Could not record the payment before sending it: ${errorMessage(e)}`, true)
        return
      }
      this.raising = false
      if (this.slot !== slot || !slot.payer.isOpen || this.stopped) return
      slot.payer.allow(this.authorized - slot.base)
    }
    if (this.visible) this.scheduleRaise(RAISE_INTERVAL_MS)
  }

  private scheduleRaise(delay: number): void {
    clearTimeout(this.raiseTimer)
    this.raiseTimer = setTimeout(() => { void this.raise() }, delay)
  }

  private fulfilled(slot: Slot, source: bigint, deliveredTotal: bigint): void {
    this.sent += source
    this.delivered = slot.deliveredBase + deliveredTotal
    this.destinationAsset ??= slot.payer.destinationAsset
    this.firstPaidAt ??= this.deps.now()
    if (this.slot === slot) {
      slot.paid = true
      this.backoff.reset()
      if (this.visible) this.setPhase('paying', null)
    }
    void this.deps.save(this).catch(() => undefined)
    if (this.sourceAsset !== null) {
      this.deps.paid?.(
        this,
        { ...this.sourceAsset, value: source },
        this.destinationAsset === null ? null : { ...this.destinationAsset, value: this.delivered },
      )
    }
  }

  private payerClosed(slot: Slot, error: string | null): void {
    if (this.slot !== slot) return
    this.slot = null
    clearTimeout(this.raiseTimer)
    this.raiseTimer = undefined
    // It died on its own: whatever it was allowed may have left. Count it all; never pay it twice.
    this.counted = this.authorized
    void this.deps.save(this).catch(() => undefined)
    if (!this.stopped) this.failed(error ?? 'The connection closed.', true)
  }

  /** Closes the connection on our initiative; if it settled cleanly, unspent allowance is withdrawn. */
  private async closePayer(): Promise<void> {
    const slot = this.slot
    if (slot === null) return
    this.slot = null
    clearTimeout(this.raiseTimer)
    this.raiseTimer = undefined
    const settled = await slot.payer.close()
    const exact = slot.base + slot.payer.totalSent
    this.counted = settled ? (exact > this.counted ? exact : this.counted) : this.authorized
    this.authorized = this.counted
    if (!this.stopped) await this.deps.save(this).catch(() => undefined)
  }

  private failed(reason: string, retryable: boolean): void {
    if (this.stopped) return
    if (!retryable) {
      this.setPhase('failed', reason)
      return
    }
    const delay = this.backoff.fail()
    if (delay === null) {
      this.setPhase('failed', `${reason} Gave up after ${this.backoff.count} attempts; reload the page to try again.`)
      return
    }
    this.setPhase('retrying', `${reason} Trying again in ${delay / 1000} s.`)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      if (this.visible) this.connect()
    }, delay)
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
    }
  }

  toRecord(): VisitRecord {
    return {
      tabId: this.tabId,
      visitId: this.visitId,
      input: this.target.input,
      seenAt: this.seenAt,
      accrual: this.accrual.toJson(),
      counted: (this.authorized > this.counted ? this.authorized : this.counted).toString(),
      sent: this.sent.toString(),
      delivered: this.delivered.toString(),
      sourceAsset: this.sourceAsset,
      destinationAsset: this.destinationAsset,
      firstPaidAt: this.firstPaidAt,
    }
  }
}
