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

/**
 * How many receivers of one page are paid at once. The tab's rate is split among them, so this bounds
 * the number of connections, not the cost: a page with 200 links costs what a page with one does.
 */
export const MAX_RECEIVERS_PER_PAGE = 5

/**
 * The tags a page is paid through. Every enabled `<link rel="monetization">` (the current spec), in
 * document order; only if there is none, the first `<meta name="monetization">` (WM v1). The links
 * winning over the meta follows Coil's extension.
 */
export function payableTags<T extends TagRef>(tags: readonly T[]): T[] {
  const links = tags.filter((t) => t.kind === 'link')
  return links.length > 0 ? links : tags.filter((t) => t.kind === 'meta').slice(0, 1)
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

interface FrameEntry { snapshot: PageSnapshot; pageUrl: string; refused: Set<string> }

export class Monetizer {
  /** Per tab, what each frame last reported (frame 0 is the top document). */
  private readonly frames = new Map<number, Map<number, FrameEntry>>()
  /** Per tab, its visits by receiver URL, in the order they were first paid. */
  private readonly visits = new Map<number, Map<string, Visit>>()
  private readonly restored = new Map<number, VisitRecord[]>()
  /** Receivers' units learnt on earlier visits (this worker's lifetime; bounded). */
  private readonly quanta = new Map<string, bigint>()

  constructor(
    private readonly deps: Omit<VisitDeps, 'save' | 'emit'>,
    private readonly store: VisitStore,
    private readonly log: Log,
    /** Delivers a payment event to a frame's content script, which turns it into WM events. */
    private readonly notify: (tabId: number, frameId: number, event: PaymentEvent) => void = () => undefined,
  ) {}

  /** Loads the visits a previous worker left; each waits for its page to say it is still there. */
  async restore(): Promise<void> {
    const records = await this.store.loadAll()
    for (const record of records) {
      if (this.visits.has(record.tabId)) continue
      const list = this.restored.get(record.tabId) ?? []
      list.push(record)
      this.restored.set(record.tabId, list)
    }
    for (const tabId of this.restored.keys()) {
      setTimeout(() => {
        // Whatever no page has reclaimed by now belongs to pages that are gone.
        const left = this.restored.get(tabId) ?? []
        this.restored.delete(tabId)
        for (const r of left) void this.store.remove(r).catch(() => undefined)
      }, RESTORE_WAIT_MS)
    }
    if (records.length > 0) this.log.info(`restored ${records.length} visit(s)`)
  }

  pageState(tabId: number, snapshot: PageSnapshot, pageUrl = '', frameId = 0): void {
    const frames = this.frames.get(tabId) ?? new Map<number, FrameEntry>()
    this.frames.set(tabId, frames)
    const previous = frames.get(frameId)
    frames.set(frameId, { snapshot, pageUrl, refused: previous?.snapshot.visitId === snapshot.visitId ? previous.refused : new Set() })
    this.reconcile(tabId)
  }

  /**
   * The frames of a tab that may be paid: the top document, and each frame holding a grant that an
   * allowed frame issued (so a nested frame needs every frame on the way to allow it). A grant is
   * honoured for one frame only, the first that presented it.
   */
  private allowedFrames(frames: Map<number, FrameEntry>): number[] {
    const allowed: number[] = frames.has(0) ? [0] : []
    const claimed = new Set<string>()
    for (let grew = true; grew;) {
      grew = false
      for (const [id, f] of [...frames].sort(([a], [b]) => a - b)) {
        const grant = f.snapshot.grant
        if (allowed.includes(id) || grant === null || claimed.has(grant)) continue
        if (!allowed.some((a) => frames.get(a)?.snapshot.grants.includes(grant) === true)) continue
        allowed.push(id)
        claimed.add(grant)
        grew = true
      }
    }
    return allowed
  }

  private reconcile(tabId: number): void {
    const frames = this.frames.get(tabId) ?? new Map<number, FrameEntry>()
    const chosen: { frameId: number; tag: TagReport; target: PaymentTarget }[] = []
    for (const frameId of this.allowedFrames(frames)) {
      const frame = frames.get(frameId)
      if (frame === undefined) continue
      for (const tag of payableTags(frame.snapshot.tags)) {
        const target = checkPolicy(resolveTag(tag), frame.snapshot.csp, frame.pageUrl)
        if (!target.ok) {
          const key = `${tag.kind} ${tag.value}`
          if (frame.refused.has(key)) continue
          // A refused tag: the page hears it once (a link gets its `error` event).
          frame.refused.add(key)
          this.notify(tabId, frameId, { event: 'failed', tag: { kind: tag.kind, value: tag.value }, reason: target.error })
          continue
        }
        if (chosen.length >= MAX_RECEIVERS_PER_PAGE || chosen.some((x) => x.target.url === target.value.url)) continue
        chosen.push({ frameId, tag, target: target.value })
      }
    }

    const byUrl = this.visits.get(tabId) ?? new Map<string, Visit>()
    this.visits.set(tabId, byUrl)
    for (const [url, v] of byUrl) {
      const c = chosen.find((x) => x.target.url === url)
      if (c === undefined || frames.get(c.frameId)?.snapshot.visitId !== v.visitId) void this.endVisit(tabId, url)
    }
    for (const { frameId, tag, target } of chosen) {
      const frame = frames.get(frameId)
      if (frame !== undefined && !byUrl.has(target.url)) byUrl.set(target.url, this.startVisit(tabId, frameId, frame, tag, target))
    }
    for (const { frameId, target } of chosen) {
      const v = byUrl.get(target.url)
      v?.setShare(chosen.length)
      v?.setVisible(frames.get(frameId)?.snapshot.visible ?? false)
    }
  }

  private startVisit(tabId: number, frameId: number, frame: FrameEntry, tag: TagReport, target: PaymentTarget): Visit {
    const { snapshot, pageUrl } = frame
    const records = this.restored.get(tabId) ?? []
    const resume = records.find((r) => r.visitId === snapshot.visitId && r.input === target.input)
    if (resume !== undefined) {
      const rest = records.filter((r) => r !== resume)
      if (rest.length > 0) this.restored.set(tabId, rest)
      else this.restored.delete(tabId)
    }
    const ref: TagRef = { kind: tag.kind, value: tag.value }
    const visit: Visit = new Visit(tabId, snapshot.visitId, target, resume?.seenAt ?? tag.seenAt, {
      ...this.deps,
      save: (v) => this.store.save(v.toRecord()),
      permits: (url) => allowedByPolicies(url, snapshot.csp, pageUrl, true),
      learnt: (url, q) => {
        if (this.quanta.size >= 500 && !this.quanta.has(url)) this.quanta.clear()
        this.quanta.set(url, q)
      },
      knownQuantum: (url) => this.quanta.get(url) ?? null,
      emit: (v, e) => { if (this.visits.get(tabId)?.get(target.url) === v) this.notify(tabId, frameId, { ...e, tag: ref }) },
    }, resume)
    this.log.info(`tab ${tabId}: ${resume === undefined ? 'paying' : 'resuming'} ${target.host}`)
    return visit
  }

  /** A frame's port closed: it navigated away, was removed, or entered the back/forward cache. */
  pageGone(tabId: number, visitId: string, frameId = 0): void {
    const frames = this.frames.get(tabId)
    if (frames?.get(frameId)?.snapshot.visitId !== visitId) return
    frames.delete(frameId)
    if (frames.size === 0) this.frames.delete(tabId)
    this.reconcile(tabId)
  }

  tabRemoved(tabId: number): void {
    this.frames.delete(tabId)
    this.restored.delete(tabId)
    for (const url of [...(this.visits.get(tabId)?.keys() ?? [])]) void this.endVisit(tabId, url)
  }

  private async endVisit(tabId: number, url: string): Promise<void> {
    const byUrl = this.visits.get(tabId)
    const visit = byUrl?.get(url)
    if (byUrl === undefined || visit === undefined) return
    byUrl.delete(url)
    if (byUrl.size === 0) this.visits.delete(tabId)
    await visit.stop()
    if (this.visits.get(tabId)?.get(url) === undefined) await this.store.remove(visit.toRecord()).catch(() => undefined)
    this.log.info(`tab ${tabId}: stopped paying ${visit.target.host}`)
  }

  private all(): Visit[] {
    return [...this.visits.values()].flatMap((m) => [...m.values()])
  }

  uplinkChanged(): void {
    for (const v of this.all()) void v.reconnect()
  }

  rateChanged(): void {
    for (const v of this.all()) v.rateChanged()
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
    const firstTag = payableTags(top.snapshot.tags)[0]
    if (firstTag !== undefined) {
      const target = checkPolicy(resolveTag(firstTag), top.snapshot.csp, top.pageUrl)
      if (!target.ok) return { kind: 'invalid', input: firstTag.value, reason: target.error }
    }
    return { kind: 'not-monetized' }
  }
}
