/**
 * The registry of pages and visits: turns page snapshots from content scripts into visits, ends them
 * when pages go away, and rebuilds them after a worker restart.
 */
import { t } from '../../shared/i18n.ts'
import type { PageSnapshot, PaymentEvent, TagRef, TagReport } from '../../shared/messages.ts'
import type { PaymentTarget } from '../../shared/pointer.ts'
import { DocumentPolicies, type HeaderPolicy } from './frame-policies.ts'
import {
  choose, describeTab, MAX_RECEIVERS_PER_PAGE, NO_HEADER_POLICY, pageUrlsOf, unpaidStatus,
  siteOf, type FrameEntry, type FrameVerdict, type TagVerdict,
} from './tag-choice.ts'
import type { Settings } from '../../shared/settings.ts'
import type { TabStatus } from '../../shared/status.ts'
import type { Log } from '../../shared/log.ts'
import type { Budget, Holder } from '../ledger/budget.ts'
import { LookupLimiter } from '../payment/lookup-limiter.ts'
import { PaymentBook, type VisitLedger } from '../ledger/payment-book.ts'
import { CarryOver } from './carry-over.ts'
import { payingStatus } from './paying-status.ts'
import { wireVisit } from './visit-wiring.ts'
import { RestoredVisits } from './restored-visits.ts'
import { Settlement } from '../ledger/settlement.ts'
import { TabMeter } from '../payment/tab-meter.ts'
import { TokenBucket } from '../payment/token-bucket.ts'
import { checkVisitRecord, type Salvage } from '../ledger/visit-record.ts'
import { Visit, type VisitRecord } from '../payment/visit.ts'
import type { VisitDeps, VisitNetwork } from '../payment/visit-deps.ts'

/**
 * A tab's page reports are acted on at once up to a burst (a page and its frames loading together),
 * then at most once per interval, the latest report winning: a page that churns its tags thousands
 * of times a second costs the worker ten reconciliations a second, not thousands.
 */
export const RECONCILE_INTERVAL_MS = 100
export const RECONCILE_BURST = 8

/** Frames of one tab that are tracked; a page that opens more gets none of the extra ones paid. */
export const MAX_FRAMES_PER_TAB = 32

export interface MonetizerDeps {
  /** How every visit reaches its receiver; `ratePerHour` is the global rate (a site's own rate replaces it). */
  visit: VisitNetwork
  ledger: VisitLedger
  budget: Budget
  settings(): Settings
  /** Why nobody is looking at tabs of this window (focus, idle), or null. */
  attention?(windowId: number | undefined, tabId: number): string | null
  log: Log
  /** What a frame's response headers said about monetization (frame-policies.ts). */
  headerPolicy?(tabId: number, frameId: number, pageUrl: string): HeaderPolicy
  /** Delivers a payment event to a frame's content script, which turns it into WM events. */
  notify?(tabId: number, frameId: number, event: PaymentEvent): void
  /** What a tab shows may have changed with no event for its page (a visit's phase: retrying, failed). */
  changed?(): void
}

export class Monetizer {
  /** Per tab, what each frame last reported (frame 0 is the top document). */
  private readonly frames = new Map<number, Map<number, FrameEntry>>()
  /** Per tab, its visits by receiver URL, in the order they were first paid. */
  private readonly visits = new Map<number, Map<string, Visit>>()
  private readonly restored: RestoredVisits
  /** Visits whose page went away, by `tab site receiver`, waiting for the site's next page in the tab. */
  private readonly parked = new CarryOver<Visit>((visit) => { void this.finish(visit) })
  /** Receivers' units learnt on earlier visits (this worker's lifetime; bounded). */
  private readonly quanta = new Map<string, bigint>()
  /** Per tab, the paid-time ceiling every visit of the tab shares (see tab-meter.ts). */
  private readonly meters = new Map<number, TabMeter>()
  /** Each open visit's meter (a visit keeps its meter even after its tab's is dropped). */
  private readonly meterOfVisit = new Map<Visit, TabMeter>()
  /** Per tab, the header policy each document (by visit id) was first seen with. */
  private readonly headerMemo = new DocumentPolicies()
  /** Per tab, its SPSP lookups' limiter. */
  private readonly lookups = new Map<number, LookupLimiter>()
  /** Per tab, its reconciliations' token bucket, and a pending reconciliation if deferred. */
  private readonly pacing = new Map<number, { bucket: TokenBucket; timer: ReturnType<typeof setTimeout> | undefined }>()
  private readonly log: Log
  /** Every payment goes to the budget and the ledger through this one writer. */
  private readonly book: PaymentBook
  private readonly settlement: Settlement

  constructor(private deps: MonetizerDeps) {
    this.log = deps.log
    this.book = new PaymentBook(deps.budget, deps.ledger)
    this.restored = new RestoredVisits({ budget: deps.budget, settle: (record, holder) => this.settle(record, holder) })
    this.settlement = new Settlement({ book: this.book, budget: deps.budget, ledger: deps.ledger, now: deps.visit.now })
  }

  private notify(tabId: number, frameId: number, event: PaymentEvent): void {
    this.deps.notify?.(tabId, frameId, event)
  }

  /** Replaces where payment events go (tests listen here). */
  setNotify(notify: MonetizerDeps['notify']): void { this.deps = { ...this.deps, notify } }

  /**
   * Loads the visits a previous worker left; each waits for its page to say it is still there, held
   * against the budget meanwhile. After a browser restart (`freshSession`) no page can come back:
   * every record is settled at once.
   */
  async restore(freshSession = false): Promise<void> {
    const stored = await this.deps.ledger.loadVisits()
    const records: VisitRecord[] = []
    for (const raw of stored) {
      const checked = checkVisitRecord(raw)
      if (checked.ok) records.push(checked.record)
      else await this.setAside(raw, checked.reason, checked.salvage).catch((e: unknown) => this.log.error('could not set a bad visit record aside', e))
    }
    await this.restored.take(records, freshSession, (tabId) => this.visits.has(tabId))
    if (records.length > 0) this.log.info(`restored ${records.length} visit(s)`)
  }

  /** A record that cannot be believed: settled as spent, set aside; its tab's meter gets no lead. */
  private async setAside(raw: unknown, reason: string, salvage: Salvage): Promise<void> {
    this.log.warn(`a visit record was damaged (${reason}); settled and set aside`)
    if (salvage.tabId !== null) this.restored.markTab(salvage.tabId)
    await this.settlement.setAside(raw, reason, salvage)
  }

  private settle(record: VisitRecord, holder: Holder | null): Promise<void> { return this.settlement.settle(record, holder) }

  pageState(tabId: number, snapshot: PageSnapshot, pageUrl = '', frameId = 0, windowId?: number): void {
    const frames = this.frames.get(tabId) ?? new Map<number, FrameEntry>()
    const previous = frames.get(frameId)
    if (previous === undefined && frames.size >= MAX_FRAMES_PER_TAB) return
    this.frames.set(tabId, frames)
    // A document's header policy is read once, at its first report, and kept for its life (a page
    // restored from the back/forward cache included): what webRequest reports later (a 204 the page
    // navigated to, say) must not change what this document's own headers said.
    const headers = previous?.snapshot.visitId === snapshot.visitId
      ? previous.headers
      : this.headerMemo.of(tabId, snapshot.visitId, () => this.deps.headerPolicy?.(tabId, frameId, pageUrl) ?? NO_HEADER_POLICY)
    frames.set(frameId, { snapshot, pageUrl, windowId, headers, refused: previous?.snapshot.visitId === snapshot.visitId ? previous.refused : new Set() })
    this.paced(tabId)
  }

  /** Reconciles a tab now, or, if it was reconciled less than RECONCILE_INTERVAL_MS ago, once it is due. */
  private paced(tabId: number): void {
    const p = this.pacing.get(tabId) ?? { bucket: new TokenBucket(RECONCILE_BURST, RECONCILE_INTERVAL_MS, this.deps.visit.now), timer: undefined }
    this.pacing.set(tabId, p)
    if (p.timer !== undefined) return // the deferred one will see this report too
    if (p.bucket.take()) {
      this.safeReconcile(tabId)
      return
    }
    p.timer = setTimeout(() => {
      p.timer = undefined
      if (this.pacing.get(tabId) === p) this.paced(tabId)
    }, p.bucket.wait())
  }

  /**
   * Reconciles one tab; whatever goes wrong there stays there. A page's input must never stop other
   * tabs, the user's settings or the UI (a page's malformed CSP once did all three).
   */
  private safeReconcile(tabId: number): void {
    try {
      this.reconcile(tabId)
    } catch (e) {
      this.log.error(`tab ${tabId}: could not act on its page`, e)
    }
  }

  /** The tab's site and whether it may be paid now: null `why` when someone is looking. */
  private tabState(tabId: number): { site: string | null; never: boolean; simulate: boolean; why: string | null } {
    const top = this.frames.get(tabId)?.get(0)
    const site = top === undefined ? null : siteOf(top.pageUrl)
    const settings = this.deps.settings()
    const rules = site === null ? undefined : settings.sites[site]
    let why: string | null = null
    if (top !== undefined && !top.snapshot.visible) why = t('worker_tabHidden')
    else if (settings.paused) why = t('worker_youPaused')
    else if (rules?.paused === true) why = t('worker_youPausedSite')
    else why = this.deps.attention?.(top?.windowId, tabId) ?? null
    return { site, never: rules?.never === true, simulate: rules?.simulate === true, why }
  }

  private reconcile(tabId: number): void {
    const frames = this.frames.get(tabId) ?? new Map<number, FrameEntry>()
    const state = this.tabState(tabId)
    const { chosen, refused } = choose(this.frames.get(tabId) ?? new Map<number, FrameEntry>(), this.tabState(tabId).never)
    for (const { frameId, tag, reason } of refused) {
      const frame = frames.get(frameId)
      const key = `${tag.kind} ${tag.value}`
      if (frame === undefined || frame.refused.has(key)) continue
      // A refused tag: the page hears it once (a link gets its `error` event).
      frame.refused.add(key)
      this.notify(tabId, frameId, { event: 'failed', tag: { kind: tag.kind, value: tag.value }, reason })
    }

    const byUrl = this.visits.get(tabId) ?? new Map<string, Visit>()
    this.visits.set(tabId, byUrl)
    for (const [url, v] of byUrl) {
      const c = chosen.find((x) => x.target.url === url)
      if (v.simulated !== state.simulate) {
        // Simulation turned on or off: this visit ends, a real (or simulated) one starts below.
        void this.endVisit(tabId, url)
        continue
      }
      if (c !== undefined && frames.get(c.frameId)?.snapshot.visitId === v.visitId) continue
      // Its page is gone (reload, navigation) or its tag was removed: the site's next page, or the
      // tag coming back, carries it on (no new lookup, no new connection, no new first second). A
      // never-pay site, or a tab now on another site, ends it.
      const elsewhere = frames.has(0) && state.site !== v.site
      if (elsewhere || state.never || v.site === '') void this.endVisit(tabId, url)
      else this.park(tabId, url)
    }
    // Ending a tab's last visit above dropped its map: put it back before adding to it, or the new
    // visits would live in a map nobody can reach (paying on, never ended).
    if (chosen.length > 0) this.visits.set(tabId, byUrl)
    for (const { frameId, tag, target } of chosen) {
      const frame = frames.get(frameId)
      if (frame !== undefined && !byUrl.has(target.url)) byUrl.set(target.url, this.startVisit(tabId, frameId, frame, tag, target, state.site ?? ''))
    }
    for (const { frameId, target } of chosen) {
      const v = byUrl.get(target.url)
      v?.setShare(chosen.length)
      const frameVisible = frames.get(frameId)?.snapshot.visible ?? false
      v?.setVisible(frameVisible && state.why === null, state.why ?? t('worker_frameHidden'))
    }
  }

  /** Keeps a visit whose page went away, paused, for the site's next page in this tab. */
  private park(tabId: number, url: string): void {
    const byUrl = this.visits.get(tabId)
    const visit = byUrl?.get(url)
    if (byUrl === undefined || visit === undefined) return
    byUrl.delete(url)
    if (byUrl.size === 0) this.visits.delete(tabId)
    visit.setVisible(false, t('worker_pageLoading'))
    this.parked.park(CarryOver.key(tabId, visit.site, url), visit)
  }

  private startVisit(tabId: number, frameId: number, frame: FrameEntry, tag: TagReport, target: PaymentTarget, site: string): Visit {
    const { snapshot } = frame
    const ref: TagRef = { kind: tag.kind, value: tag.value }
    const carried = this.parked.take(CarryOver.key(tabId, site, target.url))
    const { deps, simulated } = this.visitDeps(tabId, frameId, frame, ref, target, site)
    // Given up on ("reload the page to try again"), or simulated where the site no longer is (or the reverse): a new visit.
    if (carried?.gaveUp === true || (carried !== undefined && carried.simulated !== simulated)) void this.finish(carried)
    else if (carried !== undefined) {
      carried.rebind(snapshot.visitId, deps)
      this.log.info(`tab ${tabId}: carrying on paying ${target.host}`)
      return carried
    }
    const resume = this.restored.claim(tabId, snapshot.visitId, target.input)
    const visit = new Visit({ tabId, visitId: snapshot.visitId, target, seenAt: resume?.seenAt ?? tag.seenAt, site, simulated }, deps, resume)
    // A simulated visit moves no money: it holds nothing and draws on no meter.
    if (!simulated) {
      this.deps.budget.hold(visit)
      const meter = this.meterOf(tabId)
      this.meterOfVisit.set(visit, meter)
      meter.join(visit, this.deps.visit.now(), resume !== undefined, resume === undefined ? 0n : visit.restoredCredit())
    }
    this.log.info(`tab ${tabId}: ${resume === undefined ? 'paying' : 'resuming'} ${target.host}`)
    return visit
  }

  /** The tab's meter; a tab a restarted worker found visits of gets one without a leading second. */
  private meterOf(tabId: number): TabMeter {
    return getOrAdd(this.meters, tabId, () => new TabMeter(!this.restored.wasRestored(tabId)))
  }

  private lookupsOf(tabId: number): LookupLimiter {
    return getOrAdd(this.lookups, tabId, () => new LookupLimiter(this.deps.visit.now, MAX_RECEIVERS_PER_PAGE))
  }

  private visitDeps(tabId: number, frameId: number, frame: FrameEntry, ref: TagRef, target: PaymentTarget, site: string): { deps: VisitDeps; simulated: boolean } {
    return wireVisit({
      base: this.deps.visit,
      settings: () => this.deps.settings(),
      budget: this.deps.budget,
      saveVisit: (record) => this.deps.ledger.saveVisit(record),
      book: this.book,
      meter: this.meterOf(tabId),
      lookups: this.lookupsOf(tabId),
      quanta: this.quanta,
      pageUrls: (frameUrl) => pageUrlsOf(this.frames.get(tabId), frameUrl),
      // Events reach the page only from the visit its tab is paying now (not a parked or ended one).
      emit: (e, visitId) => { if (this.visits.get(tabId)?.get(target.url)?.visitId === visitId) this.notify(tabId, frameId, { ...e, tag: ref }) },
      phaseChanged: () => { this.deps.changed?.() },
    }, { frame, site })
  }

  /** A frame's port closed: it navigated away, was removed, or entered the back/forward cache. */
  pageGone(tabId: number, visitId: string, frameId = 0): void {
    const frames = this.frames.get(tabId)
    if (frames?.get(frameId)?.snapshot.visitId !== visitId) return
    frames.delete(frameId)
    if (frames.size === 0) this.frames.delete(tabId)
    this.paced(tabId)
  }

  tabRemoved(tabId: number): void {
    this.frames.delete(tabId)
    this.headerMemo.delete(tabId)
    clearTimeout(this.pacing.get(tabId)?.timer)
    this.pacing.delete(tabId)
    this.lookups.delete(tabId)
    // Its visits keep their meter until they have settled; nothing new can join it.
    this.meters.delete(tabId)
    this.restored.dropTab(tabId)
    for (const url of [...(this.visits.get(tabId)?.keys() ?? [])]) void this.endVisit(tabId, url)
    this.parked.dropTab(tabId)
  }

  private async endVisit(tabId: number, url: string): Promise<void> {
    const byUrl = this.visits.get(tabId)
    const visit = byUrl?.get(url)
    if (byUrl === undefined || visit === undefined) return
    byUrl.delete(url)
    if (byUrl.size === 0) this.visits.delete(tabId)
    await this.finish(visit)
  }

  /** Stops a visit and settles its record (see settle). */
  private async finish(visit: Visit): Promise<void> {
    await visit.stop()
    // What it may have sent stays on its tab's meter: the tab's next visit does not get it again.
    this.meterOfVisit.get(visit)?.leave(visit, this.deps.visit.now())
    this.meterOfVisit.delete(visit)
    if (visit.simulated) return
    await this.settle(visit.toRecord(), visit).catch((e: unknown) => this.log.warn(`could not settle a visit: ${String(e)}`))
    this.log.info(`tab ${visit.tabId}: stopped paying ${visit.target.host}`)
  }

  /** Settings changed (pause, a site's rules): every tab is looked at again. */
  settingsChanged(): void {
    const settings = this.deps.settings()
    for (const v of this.all()) {
      try {
        // "Pause all" holds for every visit first, whatever happens to any one tab below.
        if (settings.paused) v.setVisible(false, t('worker_youPaused'))
        v.rateChanged()
      } catch (e) {
        this.log.error(`tab ${v.tabId}: could not apply the settings`, e)
      }
    }
    for (const tabId of [...this.frames.keys()]) this.safeReconcile(tabId)
  }

  /** A tab moved to another window: its pages now follow that window's focus. */
  tabMoved(tabId: number, windowId: number): void {
    const frames = this.frames.get(tabId)
    if (frames === undefined) return
    for (const f of frames.values()) f.windowId = windowId
    this.safeReconcile(tabId)
  }

  /** Focus or idle state changed. */
  attentionChanged(): void {
    for (const tabId of [...this.frames.keys()]) this.safeReconcile(tabId)
  }

  /** The tab's frames and tags with what became of each (the event view). */
  describe(tabId: number): { frames: FrameVerdict[]; tags: TagVerdict[] } {
    return describeTab(this.frames.get(tabId) ?? new Map<number, FrameEntry>(), this.tabState(tabId).never)
  }

  /** Spending charged to the budget whose ledger write has yet to succeed (tests check the two agree). */
  unwrittenSpending(): bigint { return this.book.owedTotal() }

  /** The site of a tab's top page, if it has one. */
  siteOfTab(tabId: number): string | null {
    return this.tabState(tabId).site
  }

  private all(): Visit[] {
    return [...this.visits.values()].flatMap((m) => [...m.values()])
  }

  uplinkChanged(): void {
    for (const v of this.all()) void v.reconnect()
  }

  rateChanged(): void {
    for (const v of this.all()) {
      try {
        v.rateChanged()
      } catch (e) {
        this.log.error(`tab ${v.tabId}: could not apply the rate`, e)
      }
    }
  }

  status(tabId: number): TabStatus {
    const visits = [...(this.visits.get(tabId)?.values() ?? [])]
    return visits.length > 0 ? payingStatus(visits) : unpaidStatus(this.frames.get(tabId), this.tabState(tabId).never)
  }
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key)
  if (value === undefined) map.set(key, value = make())
  return value
}
