/**
 * The registry of pages and visits: turns page snapshots from content scripts into visits, ends them
 * when pages go away, and rebuilds them after a worker restart.
 */
import type { PageSnapshot, PaymentEvent, TagRef, TagReport } from '../shared/messages.ts'
import { describePointerProblem, resolvePaymentTarget, type PaymentTarget } from '../shared/pointer.ts'
import { err, type Result } from '../shared/result.ts'
import { allowedByPolicies } from '../shared/csp.ts'
import type { TabStatus } from '../shared/status.ts'
import type { Log } from '../shared/log.ts'
import { Visit, type VisitDeps, type VisitRecord } from './visit.ts'
import type { VisitStore } from './visit-store.ts'

/** A restarted worker waits this long for a page to reclaim its visit before forgetting it. */
export const RESTORE_WAIT_MS = 15_000

interface PageEntry { visitId: string; tag: TagReport | null; invalid: string | null }

/**
 * Which tag a page is paid through. `<link rel="monetization">` (the current spec) wins over the older
 * `<meta name="monetization">`, as in Coil's extension; within a kind, the first in document order.
 */
export function chooseTag(tags: readonly TagReport[]): TagReport | null {
  return tags.find((t) => t.kind === 'link') ?? tags.find((t) => t.kind === 'meta') ?? null
}

/**
 * A tag's value → what to query. A <link>'s href is a URL (current spec): `https:`, or `http:` on this
 * machine; payment pointers (`$…`) belong in the <meta> tag of WM v1.
 */
export function resolveTag(tag: TagRef): Result<PaymentTarget> {
  const target = resolvePaymentTarget(tag.value)
  if (!target.ok) return err(describePointerProblem(target.error))
  if (tag.kind === 'link' && target.value.kind === 'pointer') {
    return err('A <link rel="monetization"> needs an https:// URL in its href; a payment pointer ($…) is written as https://… there.')
  }
  return target
}

/** A page's own monetization-src (meta CSP) may forbid the receiver it names. */
function checkPolicy(target: Result<PaymentTarget>, policies: readonly string[], pageUrl: string): Result<PaymentTarget> {
  if (!target.ok || policies.length === 0 || allowedByPolicies(target.value.url, policies, pageUrl)) return target
  return err(`This page's Content-Security-Policy (monetization-src) does not allow paying ${target.value.host}.`)
}

export class Monetizer {
  private readonly pages = new Map<number, PageEntry>()
  private readonly visits = new Map<number, Visit>()
  private readonly restored = new Map<number, VisitRecord>()
  /** Receivers' units learnt on earlier visits (this worker's lifetime; bounded). */
  private readonly quanta = new Map<string, bigint>()

  constructor(
    private readonly deps: Omit<VisitDeps, 'save' | 'emit'>,
    private readonly store: VisitStore,
    private readonly log: Log,
    /** Delivers a payment event to the page in `tabId` (its content script turns it into WM events). */
    private readonly notify: (tabId: number, event: PaymentEvent) => void = () => undefined,
  ) {}

  /** Loads the visits a previous worker left; each waits for its page to say it is still there. */
  async restore(): Promise<void> {
    for (const record of await this.store.loadAll()) {
      if (this.visits.has(record.tabId)) continue
      this.restored.set(record.tabId, record)
      setTimeout(() => {
        if (this.restored.get(record.tabId) !== record) return
        this.restored.delete(record.tabId)
        if (!this.visits.has(record.tabId)) void this.store.remove(record.tabId).catch(() => undefined)
      }, RESTORE_WAIT_MS)
    }
    if (this.restored.size > 0) this.log.info(`restored ${this.restored.size} visit(s)`)
  }

  pageState(tabId: number, snapshot: PageSnapshot, pageUrl = ''): void {
    const tag = chooseTag(snapshot.tags)
    const target = tag === null ? null : checkPolicy(resolveTag(tag), snapshot.csp, pageUrl)
    const invalid = target !== null && !target.ok ? target.error : null
    const before = this.pages.get(tabId)
    this.pages.set(tabId, { visitId: snapshot.visitId, tag, invalid })
    if (tag !== null && invalid !== null && (before?.invalid !== invalid || before.tag?.value !== tag.value)) {
      // A refused tag: the page hears it once (a link gets its `error` event).
      this.notify(tabId, { event: 'failed', tag: { kind: tag.kind, value: tag.value }, reason: invalid })
    }

    let visit = this.visits.get(tabId)
    if (visit !== undefined && (target === null || !target.ok || visit.visitId !== snapshot.visitId || visit.target.url !== target.value.url)) {
      void this.endVisit(tabId)
      visit = undefined
    }
    if (tag === null || target === null || !target.ok) return
    if (visit === undefined) {
      const record = this.restored.get(tabId)
      this.restored.delete(tabId)
      const resume = record !== undefined && record.visitId === snapshot.visitId && record.input === target.value.input ? record : undefined
      const ref: TagRef = { kind: tag.kind, value: tag.value }
      visit = new Visit(tabId, snapshot.visitId, target.value, resume?.seenAt ?? tag.seenAt, {
        ...this.deps,
        save: (v) => this.store.save(v.toRecord()),
        permits: (url) => allowedByPolicies(url, snapshot.csp, pageUrl, true),
        learnt: (url, q) => {
          if (this.quanta.size >= 500 && !this.quanta.has(url)) this.quanta.clear()
          this.quanta.set(url, q)
        },
        knownQuantum: (url) => this.quanta.get(url) ?? null,
        emit: (v, e) => { if (this.visits.get(tabId) === v) this.notify(tabId, { ...e, tag: ref }) },
      }, resume)
      this.visits.set(tabId, visit)
      this.log.info(`tab ${tabId}: ${resume === undefined ? 'paying' : 'resuming'} ${target.value.host}`)
    }
    visit.setVisible(snapshot.visible)
  }

  /** The page's port closed: it navigated away, was closed, or entered the back/forward cache. */
  pageGone(tabId: number, visitId: string): void {
    if (this.pages.get(tabId)?.visitId !== visitId) return
    this.pages.delete(tabId)
    if (this.visits.get(tabId)?.visitId === visitId) void this.endVisit(tabId)
  }

  tabRemoved(tabId: number): void {
    this.pages.delete(tabId)
    this.restored.delete(tabId)
    void this.endVisit(tabId)
  }

  private async endVisit(tabId: number): Promise<void> {
    const visit = this.visits.get(tabId)
    if (visit === undefined) return
    this.visits.delete(tabId)
    await visit.stop()
    if (!this.visits.has(tabId)) await this.store.remove(tabId).catch(() => undefined)
    this.log.info(`tab ${tabId}: stopped paying ${visit.target.host}`)
  }

  uplinkChanged(): void {
    for (const v of this.visits.values()) void v.reconnect()
  }

  rateChanged(): void {
    for (const v of this.visits.values()) v.rateChanged()
  }

  status(tabId: number): TabStatus {
    const visit = this.visits.get(tabId)
    if (visit !== undefined) return visit.status()
    const page = this.pages.get(tabId)
    if (page === undefined) return { kind: 'unavailable' }
    if (page.tag !== null && page.invalid !== null) return { kind: 'invalid', input: page.tag.value, reason: page.invalid }
    return { kind: 'not-monetized' }
  }
}
