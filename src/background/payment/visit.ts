/**
 * A visit: one page load in one tab paying one receiver. It turns visible time into an allowance
 * (accrual.ts), connects (open-link.ts), raises the allowance at most once a second within the
 * budget, the site's cap and the tab's meter, retries with back-off, and says where it stands.
 * What it may have sent, and what is written down before it may leave, is visit-money.ts.
 */
import { t } from '../../shared/i18n.ts'
import type { Asset } from '../../shared/money.ts'
import type { PaymentTarget } from '../../shared/pointer.ts'
import type { PayPhase, TabStatus, TimelinePoint } from '../../shared/status.ts'
import type { Limit } from '../ledger/budget.ts'
import { VISIT_RECORD_VERSION, type VisitRecord } from '../ledger/visit-record.ts'
import { Accrual, HOUR_MS, LEAD_MS } from './accrual.ts'
import { Pacer, RAISE_INTERVAL_MS, type PacerHost } from './pacer.ts'
import { VisitLink } from './visit-link.ts'
import type { VisitDeps, VisitEvent, VisitSetup } from './visit-deps.ts'
import { VisitMoney } from './visit-money.ts'

export type { Payer, VisitDeps, VisitEvent, VisitSetup } from './visit-deps.ts'
export type { LinkState, VisitRecord } from '../ledger/visit-record.ts'
export { REFUSALS_TO_STOP } from './backoff.ts'

/** How long a hidden tab keeps its connection before closing it (quick tab switches reuse it). */
const PAUSE_GRACE_MS = 30_000
/** How much of the time between a dead worker's last write and its successor's resumption is paid. */
const RESUME_GAP_MS = 2000

/** Which page a visit pays for, and to whom. */
export interface VisitPage extends VisitSetup {
  tabId: number
  visitId: string
  target: PaymentTarget
  /** When the page's tag was first seen (the status's timeline starts there). */
  seenAt: number
}

export class Visit {
  readonly tabId: number
  readonly target: PaymentTarget
  readonly seenAt: number
  readonly site: string
  readonly simulated: boolean
  private currentVisitId: string
  private phase: PayPhase = 'resolving'
  private reason: string | null = null
  private readonly accrual: Accrual
  private readonly money: VisitMoney
  /** This visit's part of the tab's rate: the tab's receivers share it, never multiply it. */
  private share = 1
  /** Someone is looking at the page (visible tab, focused window, active user, not paused). */
  private looking = false
  /** The budget or the site's cap is reached: nothing accrues until there is room again. */
  private limited: Limit | null = null
  private limitTimer: ReturnType<typeof setTimeout> | undefined
  /** Why nobody is looking, as last told (the popup's wording while paused). */
  private pausedWhy = t('worker_tabHidden')
  private graceTimer: ReturnType<typeof setTimeout> | undefined
  private readonly pacer: Pacer
  private stopped = false
  private readonly link: VisitLink
  private readonly timeline: { point: TimelinePoint; at: number }[] = []

  constructor(page: VisitPage, private deps: VisitDeps, record?: VisitRecord) {
    this.tabId = page.tabId
    this.currentVisitId = page.visitId
    this.target = page.target
    this.seenAt = page.seenAt
    this.site = page.site
    this.simulated = page.simulated
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the pacer's host reads this visit's live state
    const visit = this
    this.money = new VisitMoney({
      now: () => this.deps.now(),
      write: (entry) => (entry === undefined ? this.deps.save(this.toRecord()) : this.deps.record(this.toRecord(), entry)),
      facts: () => ({ site: this.site, receiver: this.target.url, tabRate: (this.accrual.rate ?? 0n) * BigInt(this.share) }),
      learnt: (quantum) => { this.deps.learnt(this.target.url, quantum) },
    }, deps.knownQuantum(page.target.url) ?? 1n, record)
    this.accrual = record === undefined ? new Accrual() : Accrual.fromJson(record.accrual)
    const host: PacerHost = {
      get looking() { return visit.looking },
      get stopped() { return visit.stopped },
      get slot() { return visit.link.slot },
      get deps() { return visit.deps },
      limitReached: (limit) => { this.enterLimit(limit) },
      refused: (slot, reason) => { void this.link.refusedBy(slot, reason) },
      writeFailed: (reason) => { this.link.failed(reason, true) },
      allowed: () => { this.mark('allowed') },
    }
    this.pacer = new Pacer(this.accrual, this.money, host)
    this.link = new VisitLink({
      get deps() { return visit.deps },
      receiverUrl: this.target.url,
      get looking() { return visit.looking },
      get stopped() { return visit.stopped },
      get mayConnect() { return visit.phase !== 'failed' && visit.limited === null },
      setPhase: (phase, reason) => { this.setPhase(phase, reason) },
      emit: (event) => { this.emit(event) },
      mark: (point) => { this.mark(point) },
      rateFor: (asset) => this.rateFor(asset),
      openedUnseen: () => { this.setVisible(false) },
    }, this.money, this.accrual, this.pacer)
    if (record === undefined) return
    // A restart's usual gap (the last write, the kill, the page reconnecting: well under 2 s) is paid
    // as the visible time it was; anything longer is not owed: accrual stops RESUME_GAP_MS after the
    // record's last write and starts again when the page says it is looked at. Without the bound, a
    // worker that was down (or stuck) for a while would pay the whole gap in one burst on its return.
    this.accrual.hide(Math.min(deps.now(), (record.savedAt ?? record.accrual.visibleSince ?? 0) + RESUME_GAP_MS))
  }

  get visitId(): string { return this.currentVisitId }
  get visible(): boolean { return this.looking }
  get sent(): bigint { return this.money.sent }
  /** What its receiver got, in the receiver's asset (`destinationAsset`, null until known). */
  get delivered(): bigint { return this.money.delivered }
  get destinationAsset(): Asset | null { return this.money.destinationAsset }
  get sourceAsset(): Asset | null { return this.money.sourceAsset }
  /** It stopped trying (the receiver refused, or every retry failed): only a new visit tries again. */
  get gaveUp(): boolean { return this.phase === 'failed' }
  /** What this visit holds against the budget (visit-money.ts). */
  get outstanding(): bigint { return this.money.outstanding }
  /** The visit total that may actually have left (the tab's meter counts this). */
  get exposed(): bigint { return this.money.exposed(this.link.slot) }
  /** Someone is looking and no limit is reached: visible time accrues (the tab's meter runs). */
  get accruing(): boolean { return this.accrual.visible }

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

  /**
   * A new page of the same site in the same tab carries this visit on (reload, same-site navigation).
   * A new page is the person's "try again": refusals and failures counted on the last page start
   * afresh, or a visit carried on between its second and third refusal would give up just after the
   * reload that should have retried it.
   */
  rebind(visitId: string, deps: VisitDeps): void {
    this.currentVisitId = visitId
    this.deps = deps
    this.link.afresh()
  }

  /** A stopped visit tells its page nothing more (its tab may already pay another visit of it). */
  private emit(event: VisitEvent): void { if (!this.stopped) this.deps.emit(event, this.currentVisitId) }

  /** Time accrues only while someone looks and no limit is reached. */
  private syncAccrual(now: number): void {
    if (this.looking && this.limited === null) this.accrual.show(now)
    else this.accrual.hide(now)
    this.deps.accrualChanged()
  }

  /** Stops accruing at a limit; looks again every second whether there is room. */
  private enterLimit(limit: Limit): void {
    if (this.stopped) return
    const entering = this.limited === null
    this.limited = limit
    if (entering) {
      this.syncAccrual(this.deps.now())
      if (this.looking) this.emit({ event: 'paused' })
      this.startGrace()
    }
    this.setPhase('limit', this.deps.limitReason(limit))
    clearTimeout(this.limitTimer)
    this.limitTimer = setTimeout(() => { this.checkLimit() }, RAISE_INTERVAL_MS)
  }

  private checkLimit(): void {
    this.limitTimer = undefined
    if (this.limited === null || this.stopped) return
    const { ceiling, limit } = this.pacer.budgetCeiling()
    if (ceiling <= this.money.held) {
      this.enterLimit(limit)
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
    if (this.link.slot !== null && this.graceTimer === undefined) {
      this.graceTimer = setTimeout(() => {
        this.graceTimer = undefined
        void this.link.close()
      }, PAUSE_GRACE_MS)
    }
  }

  /** `why` is what the popup says while nobody is looking. */
  setVisible(visible: boolean, why = t('worker_tabHidden')): void {
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
      const slot = this.link.slot
      if (slot !== null) {
        this.setPhase(slot.paid ? 'paying' : 'connecting', null)
        this.emit({ event: 'pending' })
        void this.pacer.raise()
      } else {
        this.link.connect() // sets its own phase once it starts
      }
      return
    }
    if (this.looking && this.limited === null) this.emit({ event: 'paused' })
    this.looking = false
    this.pausedWhy = why
    this.syncAccrual(now)
    this.pacer.cancel()
    if (this.phase !== 'failed' && this.phase !== 'no-uplink' && this.phase !== 'limit') this.setPhase('paused', why)
    this.startGrace()
  }

  /** The uplink or its configuration changed: drop the connection and build a new one. */
  async reconnect(): Promise<void> {
    this.link.abort(true)
    await this.link.close()
    if (this.phase === 'failed' || this.phase === 'no-uplink') this.setPhase('resolving', null)
    if (this.visible) this.link.connect()
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
    const asset = this.money.sourceAsset ?? (this.accrual.rate === null ? null : this.deps.uplinkAsset())
    if (asset === null) return
    const rate = this.rateFor(asset)
    if (rate !== null) this.accrual.setRate(rate, this.deps.now())
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.link.abort()
    for (const t of [this.graceTimer, this.limitTimer]) clearTimeout(t)
    this.pacer.cancel()
    await this.link.close()
    this.money.finished = true
  }

  /** Records when this visit first reached a step of its first payment (seen in the status). */
  private mark(point: TimelinePoint): void {
    if (!this.timeline.some((t) => t.point === point)) {
      this.timeline.push({ point, at: this.deps.now() })
    }
  }

  private setPhase(phase: PayPhase, reason: string | null): void {
    if (phase === this.phase && reason === this.reason) return
    this.phase = phase
    this.reason = reason
    if (!this.stopped) this.deps.phaseChanged()
  }

  status(): TabStatus {
    const { sourceAsset, destinationAsset } = this.money
    return {
      kind: 'monetized',
      phase: this.phase,
      reason: this.reason,
      receiverHost: this.target.host,
      input: this.target.input,
      sent: sourceAsset === null ? null : { value: this.money.sent.toString(), code: sourceAsset.code, scale: sourceAsset.scale },
      delivered: destinationAsset === null ? null : { value: this.money.delivered.toString(), code: destinationAsset.code, scale: destinationAsset.scale },
      seenAt: this.seenAt,
      firstPaidAt: this.money.firstPaidAt,
      timeline: [...this.timeline],
      ...(this.simulated ? { simulated: true as const } : {}),
    }
  }

  toRecord(): VisitRecord {
    return {
      v: VISIT_RECORD_VERSION,
      savedAt: this.deps.now(),
      tabId: this.tabId,
      visitId: this.currentVisitId,
      input: this.target.input,
      seenAt: this.seenAt,
      accrual: this.accrual.toJson(),
      site: this.site,
      ...this.money.fields(this.link.slot),
    }
  }
}
