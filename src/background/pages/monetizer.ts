/**
 * The registry of pages and visits: turns page snapshots from content scripts into visits, ends them
 * when pages go away, and rebuilds them after a worker restart.
 */
import type { PageSnapshot, PaymentEvent, TagRef, TagReport } from '../../shared/messages.ts'
import { parseDecimal, type Asset } from '../../shared/money.ts'
import type { PaymentTarget } from '../../shared/pointer.ts'
import { err } from '../../shared/result.ts'
import { allowedByPolicies } from '../../shared/csp.ts'
import { reachRefusal } from '../../shared/address-space.ts'
import type { HeaderPolicy } from './frame-policies.ts'
import {
  checkPolicy, checkReach, choose, describeTab, HEADER_MEMO_PER_TAB, MAX_RECEIVERS_PER_PAGE, NO_HEADER_POLICY, pageUrlsOf,
  payableTags, policiesOf, resolveTag, siteOf, type FrameEntry, type FrameVerdict, type TagVerdict,
} from './tag-choice.ts'
import type { Settings } from '../../shared/settings.ts'
import type { TabStatus } from '../../shared/status.ts'
import type { Log } from '../../shared/log.ts'
import type { Budget, Holder, Limit } from '../ledger/budget.ts'
import type { LedgerEntry } from '../ledger/ledger.ts'
import { LookupLimiter } from '../payment/lookup-limiter.ts'
import { SIMULATED_ASSET, SimulatedPayer, simulatedNetwork } from '../payment/simulated-payer.ts'
import { PaymentBook } from '../ledger/payment-book.ts'
import { Settlement } from '../ledger/settlement.ts'
import { TabMeter } from '../payment/tab-meter.ts'
import { TokenBucket } from '../payment/token-bucket.ts'
import { checkVisitRecord, type Salvage } from '../ledger/visit-record.ts'
import { visitKey } from '../ledger/ledger.ts'
import { Visit, type VisitDeps, type VisitEvent, type VisitRecord } from '../payment/visit.ts'

/** A restarted worker waits this long for a page to reclaim its visit before forgetting it. */
export const RESTORE_WAIT_MS = 15_000

/**
 * How long a visit outlives its page, waiting for the next page of the same site in the same tab
 * (a reload, a link within the site) to carry its accrual on instead of paying a fresh first second.
 */
export const CARRY_OVER_MS = 15_000

/**
 * A tab's page reports are acted on at once up to a burst (a page and its frames loading together),
 * then at most once per interval, the latest report winning: a page that churns its tags thousands
 * of times a second costs the worker ten reconciliations a second, not thousands.
 */
export const RECONCILE_INTERVAL_MS = 100
export const RECONCILE_BURST = 8

/** Frames of one tab that are tracked; a page that opens more gets none of the extra ones paid. */
export const MAX_FRAMES_PER_TAB = 32

/** Where visits keep their records and payments (the Ledger; a fake in some unit tests). */
export interface VisitLedger {
  saveVisit(record: VisitRecord): Promise<void>
  record(entry: LedgerEntry, visit: VisitRecord | null, removeVisit?: boolean): Promise<void>
  removeVisit(record: Pick<VisitRecord, 'tabId' | 'input'>): Promise<void>
  /** The records as stored: checked by visit-record.ts before anything believes them. */
  loadVisits(): Promise<unknown[]>
  /** Moves a bad record out of the visits store, keeping it (and why) for the user's repair notice. */
  quarantineVisit?(key: string, value: unknown, reason: string): Promise<void>
}

export interface MonetizerDeps {
  /** What every visit needs; `ratePerHour` is the global rate (a site's own rate replaces it). */
  visit: Omit<VisitDeps, 'save' | 'emit' | 'site' | 'room' | 'record' | 'limitReason'>
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
}

/** A restored record waiting for its page, held against the budget meanwhile. */
interface Waiting { record: VisitRecord; holder: Holder }

export class Monetizer {
  /** Per tab, what each frame last reported (frame 0 is the top document). */
  private readonly frames = new Map<number, Map<number, FrameEntry>>()
  /** Per tab, its visits by receiver URL, in the order they were first paid. */
  private readonly visits = new Map<number, Map<string, Visit>>()
  private readonly restored = new Map<number, Waiting[]>()
  /** Visits whose page went away, by `tab site receiver`, waiting for the site's next page in the tab. */
  private readonly parked = new Map<string, { visit: Visit; timer: ReturnType<typeof setTimeout> }>()
  /** Receivers' units learnt on earlier visits (this worker's lifetime; bounded). */
  private readonly quanta = new Map<string, bigint>()
  /** Per tab, the paid-time ceiling every visit of the tab shares (see tab-meter.ts). */
  private readonly meters = new Map<number, TabMeter>()
  /** Each open visit's meter (a visit keeps its meter even after its tab's is dropped). */
  private readonly meterOfVisit = new Map<Visit, TabMeter>()
  /** Tabs a restarted worker found visits of: their meters start without a leading second. */
  private readonly restoredTabs = new Set<number>()
  /** Per tab, the header policy each document (by visit id) was first seen with. */
  private readonly headerMemo = new Map<number, Map<string, HeaderPolicy>>()
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
    this.settlement = new Settlement({ book: this.book, budget: deps.budget, ledger: deps.ledger, now: deps.visit.now })
  }

  private notify(tabId: number, frameId: number, event: PaymentEvent): void {
    this.deps.notify?.(tabId, frameId, event)
  }

  /** Replaces where payment events go (tests listen here). */
  setNotify(notify: MonetizerDeps['notify']): void {
    this.deps = { ...this.deps, notify }
  }

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
    for (const record of records) {
      this.restoredTabs.add(record.tabId)
      const holder = { site: record.site ?? '', outstanding: positive(BigInt(record.counted) - BigInt(record.sent) - BigInt(record.uncertain ?? '0')) }
      if (freshSession || this.visits.has(record.tabId)) {
        await this.settle(record, null)
        continue
      }
      this.deps.budget.hold(holder)
      const list = this.restored.get(record.tabId) ?? []
      list.push({ record, holder })
      this.restored.set(record.tabId, list)
    }
    for (const tabId of this.restored.keys()) {
      setTimeout(() => {
        // Whatever no page has reclaimed by now belongs to pages that are gone.
        const left = this.restored.get(tabId) ?? []
        this.restored.delete(tabId)
        for (const w of left) void this.settle(w.record, w.holder).catch(() => undefined)
      }, RESTORE_WAIT_MS)
    }
    if (records.length > 0) this.log.info(`restored ${records.length} visit(s)`)
  }

  /** A record that cannot be believed: settled as spent, set aside; its tab's meter gets no lead. */
  private async setAside(raw: unknown, reason: string, salvage: Salvage): Promise<void> {
    this.log.warn(`a visit record was damaged (${reason}); settled and set aside`)
    if (salvage.tabId !== null) this.restoredTabs.add(salvage.tabId)
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
    const memo = this.headerMemo.get(tabId) ?? new Map<string, HeaderPolicy>()
    this.headerMemo.set(tabId, memo)
    let headers = previous?.snapshot.visitId === snapshot.visitId ? previous.headers : memo.get(snapshot.visitId)
    if (headers === undefined) {
      headers = this.deps.headerPolicy?.(tabId, frameId, pageUrl) ?? NO_HEADER_POLICY
      memo.set(snapshot.visitId, headers)
      if (memo.size > HEADER_MEMO_PER_TAB) memo.delete(memo.keys().next().value ?? '')
    }
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
    if (top !== undefined && !top.snapshot.visible) why = 'The tab is hidden.'
    else if (settings.paused) why = 'You paused Trickle.'
    else if (rules?.paused === true) why = 'You paused this site.'
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
      v?.setVisible(frameVisible && state.why === null, state.why ?? 'The frame is hidden.')
    }
  }

  /** Keeps a visit whose page went away, paused, for the site's next page in this tab. */
  private park(tabId: number, url: string): void {
    const byUrl = this.visits.get(tabId)
    const visit = byUrl?.get(url)
    if (byUrl === undefined || visit === undefined) return
    byUrl.delete(url)
    if (byUrl.size === 0) this.visits.delete(tabId)
    visit.setVisible(false, 'The page is loading.')
    const key = `${tabId} ${visit.site} ${url}`
    const existing = this.parked.get(key)
    if (existing !== undefined) {
      clearTimeout(existing.timer)
      void this.finish(existing.visit)
    }
    this.parked.set(key, { visit, timer: setTimeout(() => { this.unpark(key) }, CARRY_OVER_MS) })
  }

  private unpark(key: string): void {
    const p = this.parked.get(key)
    if (p === undefined) return
    this.parked.delete(key)
    clearTimeout(p.timer)
    void this.finish(p.visit)
  }

  private startVisit(tabId: number, frameId: number, frame: FrameEntry, tag: TagReport, target: PaymentTarget, site: string): Visit {
    const { snapshot } = frame
    const ref: TagRef = { kind: tag.kind, value: tag.value }
    const carried = this.parked.get(`${tabId} ${site} ${target.url}`)
    if (carried !== undefined) {
      this.parked.delete(`${tabId} ${site} ${target.url}`)
      clearTimeout(carried.timer)
      carried.visit.rebind(snapshot.visitId, this.visitDeps(tabId, frameId, frame, ref, target, site, () => carried.visit))
      this.log.info(`tab ${tabId}: carrying on paying ${target.host}`)
      return carried.visit
    }
    const waiting = this.restored.get(tabId) ?? []
    const resume = waiting.find((w) => w.record.visitId === snapshot.visitId && w.record.input === target.input)
    if (resume !== undefined) {
      const rest = waiting.filter((w) => w !== resume)
      if (rest.length > 0) this.restored.set(tabId, rest)
      else this.restored.delete(tabId)
      this.deps.budget.release(resume.holder)
    }
    let visit: Visit | null = null
    const deps = this.visitDeps(tabId, frameId, frame, ref, target, site, () => visit)
    visit = new Visit(tabId, snapshot.visitId, target, resume?.record.seenAt ?? tag.seenAt, deps, resume?.record)
    // A simulated visit moves no money: it holds nothing and draws on no meter.
    if (deps.simulated !== true) {
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
    let meter = this.meters.get(tabId)
    if (meter === undefined) {
      meter = new TabMeter(!this.restoredTabs.has(tabId))
      this.meters.set(tabId, meter)
    }
    return meter
  }

  private lookupsOf(tabId: number): LookupLimiter {
    let limiter = this.lookups.get(tabId)
    if (limiter === undefined) {
      limiter = new LookupLimiter(this.deps.visit.now, MAX_RECEIVERS_PER_PAGE)
      this.lookups.set(tabId, limiter)
    }
    return limiter
  }

  private visitDeps(tabId: number, frameId: number, frame: FrameEntry, ref: TagRef, target: PaymentTarget, site: string, self: () => Visit | null): VisitDeps {
    const { pageUrl } = frame
    const base = this.deps.visit
    const meter = this.meterOf(tabId)
    const lookups = this.lookupsOf(tabId)
    // The site's own rate, if the user gave it one.
    const ratePerHour = (asset: Asset): bigint | null => {
      const own = this.deps.settings().sites[site]?.ratePerHour ?? null
      return own === null ? base.ratePerHour(asset) : parseDecimal(own, asset.scale)
    }
    const emit = (v: Visit, e: VisitEvent): void => { if (v === self() && this.visits.get(tabId)?.get(target.url) === v) this.notify(tabId, frameId, { ...e, tag: ref }) }
    if (this.deps.settings().sites[site]?.simulate === true) {
      // Simulator mode: the same visit, with no network, no budget and no ledger.
      const asset = (): Asset => base.uplinkAsset() ?? SIMULATED_ASSET
      return {
        ...base,
        simulated: true,
        site,
        uplinkConfigured: () => true,
        connectPlugin: async () => simulatedNetwork.plugin(),
        reportUplinkConnected: () => undefined,
        querySpsp: (url) => simulatedNetwork.spsp(url),
        openPayer: async (opts) => new SimulatedPayer(asset(), opts),
        uplinkAsset: () => asset(),
        ratePerHour,
        save: async () => undefined,
        emit,
      }
    }
    return {
      ...base,
      site,
      ratePerHour,
      querySpsp: async (url, signal) => {
        if (!(await lookups.acquire(url, signal))) return err({ step: 'network', message: 'Cancelled.', retryable: true })
        return base.querySpsp(url, signal, (hop) => this.hopRefusal(tabId, hop, policiesOf(frame), pageUrl))
      },
      room: () => this.deps.budget.room(site),
      tabRoom: () => {
        const now = base.now()
        const asset = self()?.sourceAsset ?? base.uplinkAsset()
        const rate = asset === null ? null : ratePerHour(asset)
        if (rate === null) return 0n
        meter.setRate(rate, now)
        return meter.room(now)
      },
      accrualChanged: () => { meter.sync(base.now()) },
      limitReason: (limit) => this.limitReason(limit),
      save: (v) => this.deps.ledger.saveVisit(v.toRecord()),
      // Booked in the same tick as the visit's hold shrank (its `sent` or `uncertain` grew just before
      // this call); a lost reply later confirmed moves from unconfirmed to sent, net zero.
      record: (v, entry) => this.book.book(visitKey(v.toRecord()), entry, v.toRecord()),
      permits: (url) => allowedByPolicies(url, policiesOf(frame), pageUrl, true),
      learnt: (url, q) => {
        if (this.quanta.size >= 500 && !this.quanta.has(url)) this.quanta.clear()
        this.quanta.set(url, q)
      },
      knownQuantum: (url) => this.quanta.get(url) ?? null,
      emit,
    }
  }

  /** Why a receiver's redirect must not be followed for this page: the same rules as its tag. */
  private hopRefusal(tabId: number, url: string, csp: readonly string[], pageUrl: string): string | null {
    const reach = reachRefusal(url, pageUrlsOf(this.frames.get(tabId), pageUrl))
    if (reach !== null) return `The receiver redirected elsewhere: ${reach}`
    return allowedByPolicies(url, csp, pageUrl, true) ? null : 'The receiver redirected outside what this page\'s Content-Security-Policy (monetization-src) allows.'
  }

  private limitReason(limit: Limit): string {
    const { end } = this.deps.budget.period()
    const renews = `it renews on ${end}`
    return limit === 'cap'
      ? `This site has reached its cap for this period; ${renews}.`
      : `Your budget for this period is used up; ${renews}. Raise it in Trickle's options to go on paying.`
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
    this.restoredTabs.delete(tabId)
    for (const w of this.restored.get(tabId) ?? []) void this.settle(w.record, w.holder).catch(() => undefined)
    this.restored.delete(tabId)
    for (const url of [...(this.visits.get(tabId)?.keys() ?? [])]) void this.endVisit(tabId, url)
    for (const key of [...this.parked.keys()]) if (key.startsWith(`${tabId} `)) this.unpark(key)
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
        if (settings.paused) v.setVisible(false, 'You paused Trickle.')
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
    const first = visits[0]
    if (first !== undefined) {
      const status = first.status()
      if (status.kind !== 'monetized' || visits.length === 1 || status.sent === null) return status
      // Several receivers: what the tab sent in total (one uplink asset for all of them).
      const total = visits.reduce((sum, v) => sum + v.sent, 0n)
      return { ...status, receivers: visits.length, sent: { ...status.sent, value: total.toString() } }
    }
    const top = this.frames.get(tabId)?.get(0)
    if (top === undefined) return { kind: 'unavailable' }
    if (this.tabState(tabId).never) return { kind: 'never' }
    const firstTag = payableTags(top.snapshot.tags)[0]
    if (firstTag !== undefined) {
      const target = checkReach(checkPolicy(resolveTag(firstTag), policiesOf(top), top.pageUrl), pageUrlsOf(this.frames.get(tabId), top.pageUrl))
      if (!target.ok) return { kind: 'invalid', input: firstTag.value, reason: target.error }
    }
    return { kind: 'not-monetized' }
  }
}

const positive = (v: bigint): bigint => (v > 0n ? v : 0n)
