/**
 * A visit's connection to its receiver, over its life: an attempt at a time (open-link.ts), the open
 * connection (its slot), fulfilled packets, a connection that dies or is refused, back-off and giving
 * up. Pacing is pacer.ts; the money itself is visit-money.ts; whether anyone is looking is the visit's.
 */
import { t, uiLocale } from '../../shared/i18n.ts'
import { sameAsset, type Asset } from '../../shared/money.ts'
import { errorMessage } from '../../shared/result.ts'
import type { PayPhase, TimelinePoint } from '../../shared/status.ts'
import type { Accrual } from './accrual.ts'
import { Retries } from './backoff.ts'
import { openLink } from './open-link.ts'
import type { Pacer } from './pacer.ts'
import type { GuardStop, VisitDeps, VisitEvent } from './visit-deps.ts'
import type { Slot, VisitMoney } from './visit-money.ts'

/** What the connection is told of, and asks, its visit. */
export interface LinkHost {
  readonly deps: VisitDeps
  readonly receiverUrl: string
  readonly looking: boolean
  readonly stopped: boolean
  /** Not given up and at no limit: a connection may be opened. */
  readonly mayConnect: boolean
  setPhase(phase: PayPhase, reason: string | null): void
  emit(event: VisitEvent): void
  mark(point: TimelinePoint): void
  /** The visit's part of the rate in `asset`, or null if it cannot be expressed in it. */
  rateFor(asset: Asset): bigint | null
  /** A connection opened while nobody looks: the visit pauses it. */
  openedUnseen(): void
}

export class VisitLink {
  private attempt: AbortController | null = null
  private retryTimer: ReturnType<typeof setTimeout> | undefined
  private current: Slot | null = null
  private readonly retries = new Retries()
  /** The SPSP endpoint actually paid (after redirects): the event's `paymentPointer`. */
  private paidUrl: string | null = null
  /**
   * Why the last attempt failed, while the visit is retrying: a new attempt says it is trying again
   * (and why it had to) until it pays, instead of flickering back to "looking up the receiver".
   */
  private lastFailure: string | null = null

  constructor(private readonly host: LinkHost, private readonly money: VisitMoney, private readonly accrual: Accrual, private readonly pacer: Pacer) {}

  /** The open connection, if any. */
  get slot(): Slot | null { return this.current }

  /** A new page (a reload) is the person's "try again" (see Retries.afresh). */
  afresh(): void {
    this.retries.afresh()
    this.lastFailure = null
  }

  /** Stops any attempt and any retry waiting; `fresh` also starts the back-offs again. */
  abort(fresh = false): void {
    this.attempt?.abort()
    this.attempt = null
    clearTimeout(this.retryTimer)
    this.retryTimer = undefined
    if (fresh) {
      this.retries.reset()
      this.lastFailure = null
    }
  }

  connect(): void {
    const host = this.host
    if (host.stopped || this.current !== null || this.attempt !== null || this.retryTimer !== undefined || !host.mayConnect) return
    if (!host.deps.uplinkConfigured()) {
      host.setPhase('no-uplink', t('worker_noUplinkYet'))
      return
    }
    const attempt = new AbortController()
    this.attempt = attempt
    this.run(attempt.signal)
      .catch((e: unknown) => this.failed(t('worker_unexpected', errorMessage(e)), true))
      .finally(() => {
        if (this.attempt === attempt) this.attempt = null
      })
  }

  private async run(signal: AbortSignal): Promise<void> {
    const { host, money } = this
    if (this.lastFailure === null) host.setPhase('resolving', null)
    else host.setPhase('retrying', t('worker_retryingNow', this.lastFailure))
    host.mark('start')
    host.emit({ event: 'pending' })
    this.preauthorize()
    const check = money.resumeLink
    let slot: Slot | null = null
    const outcome = await openLink(() => host.deps, {
      url: host.receiverUrl,
      resume: check,
      signal,
      mark: (point) => { host.mark(point) },
      resolved: (finalUrl) => {
        this.paidUrl = finalUrl
        host.emit({ event: 'resolved', paymentPointer: finalUrl })
        if (this.lastFailure === null) host.setPhase('connecting', null)
      },
      onFulfilled: (source, deliveredTotal, remoteTotal, deliveryUnknown) => { if (slot !== null) this.fulfilled(slot, source, deliveredTotal, remoteTotal, deliveryUnknown) },
      onClosed: (error, stop) => { if (slot !== null) this.died(slot, error, stop) },
      accept: (payer) => {
        const known = money.sourceAsset
        if (known !== null && !sameAsset(known, payer.sourceAsset)) {
          return t('worker_currencyChanged')
        }
        return host.rateFor(payer.sourceAsset) ?? t('worker_rateInexpressible', payer.sourceAsset.code, payer.sourceAsset.scale)
      },
      install: (link) => {
        if (host.stopped || signal.aborted) return false
        this.accrual.setRate(link.rate, host.deps.now())
        slot = money.openSlot(link, check)
        this.current = slot
        return true
      },
    })
    if (outcome.kind !== 'open') {
      if (outcome.kind === 'failed' && outcome.linkLost) money.resumeLink = null
      if (outcome.kind === 'failed' && !signal.aborted) this.failed(outcome.reason, outcome.retryable, outcome.uplink)
      return
    }
    if (host.looking) await this.pacer.raise()
    else host.openedUnseen()
  }

  /**
   * Records the first chunk before the connection exists (pacer.ts), so the first allowance does not
   * wait for a storage write. Only possible once the uplink's asset is known.
   */
  private preauthorize(): void {
    const { host } = this
    const asset = this.money.sourceAsset ?? host.deps.uplinkAsset()
    if (asset === null || !host.looking) return
    if (this.accrual.rate === null) {
      const rate = host.rateFor(asset)
      if (rate === null) return
      this.accrual.setRate(rate, host.deps.now())
    }
    this.pacer.preauthorize()
  }

  private fulfilled(slot: Slot, source: bigint, deliveredTotal: bigint, remoteTotal: bigint | null = null, deliveryUnknown = false): void {
    // A reply after the visit was settled: the money is in the ledger as unconfirmed (and charged);
    // recording it again would charge it twice and bring the settled record back.
    if (this.money.finished) return
    const { host } = this
    // Space raises from the fulfil, not the send: packets then reach the receiver at least a second
    // apart, whatever the path's latency jitter. The amount stays wall-clock exact either way.
    if (this.current === slot) this.pacer.fulfilled(host.deps.now())
    host.mark('fulfilled')
    if (this.current === slot && !deliveryUnknown) {
      slot.paid = true
      this.retries.paid(source > 0n)
      this.lastFailure = null
      if (host.looking) host.setPhase('paying', null)
    }
    const receivedNow = this.money.fulfilled(slot, source, deliveredTotal, remoteTotal, deliveryUnknown)
    const asset = this.money.sourceAsset
    if (asset !== null && source > 0n) {
      const dest = this.money.destinationAsset
      host.emit({
        event: 'paid',
        paymentPointer: this.paidUrl ?? host.receiverUrl,
        sent: { value: source.toString(), code: asset.code, scale: asset.scale },
        received: dest === null ? null : { value: receivedNow.toString(), code: dest.code, scale: dest.scale },
      })
    }
  }

  /** Closes a connection whose receiver refuses and counts it like any refused connection. */
  async refusedBy(slot: Slot, reason: string): Promise<void> {
    if (this.current !== slot) return
    await this.close()
    if (this.host.stopped) return
    if (this.retries.refused()) this.failed(`${reason} Trickle stopped paying this receiver; reload the page to try again.`, false)
    else this.failed(reason, true)
  }

  /** The connection ended on its own (or its packet guard stopped it). */
  private died(slot: Slot, error: string | null, stop?: GuardStop): void {
    if (this.current !== slot) return
    this.current = null
    this.pacer.cancel()
    this.money.connectionDied(slot, stop?.unknown === true)
    if (this.host.stopped) return
    if (stop?.refused === true && this.retries.refused()) {
      this.failed(t('worker_stoppedReceiver', stop.reason), false)
      return
    }
    this.failed(stop?.reason ?? error ?? t('worker_connectionClosed'), true, stop?.uplink === true)
  }

  /** Closes the connection on our initiative; if it settled cleanly, unspent allowance is withdrawn. */
  async close(): Promise<void> {
    const slot = this.current
    if (slot === null) {
      this.money.withdrawUnspent()
      return
    }
    this.current = null
    this.pacer.cancel()
    this.money.connectionClosed(slot, await slot.payer.close())
    if (!this.host.stopped) await this.money.persist().catch(() => undefined)
  }

  /** `uplinkFailed`: the user's uplink failed, not the receiver (retried on its own back-off). */
  failed(reason: string, retryable: boolean, uplinkFailed = false): void {
    const { host } = this
    if (host.stopped) return
    if (!retryable) {
      host.setPhase('failed', reason)
      host.emit({ event: 'failed', reason })
      return
    }
    const { delay, count } = this.retries.next(uplinkFailed)
    if (delay === null) {
      host.setPhase('failed', t('worker_gaveUp', reason, count))
      host.emit({ event: 'failed', reason })
      return
    }
    this.lastFailure = reason
    host.setPhase('retrying', t('worker_retryingIn', reason, new Intl.NumberFormat(uiLocale()).format(delay / 1000)))
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined
      if (host.looking) this.connect()
    }, delay)
  }
}
