/**
 * What a tab may be paid through, decided from what its frames reported and what their headers said:
 * which frames may monetize (grants, Permissions-Policy), which tags count (links before meta), and
 * whether each receiver may be reached from the page (CSP, address space). Pure functions, no state:
 * the monetizer calls them on every report, the event view to explain the result.
 */
import { t } from '../../shared/i18n.ts'
import type { PageSnapshot, TagRef, TagReport } from '../../shared/messages.ts'
import { reachRefusal } from '../../shared/address-space.ts'
import { allowedByPolicies } from '../../shared/csp.ts'
import { allowlistMatches } from '../../shared/permissions-policy.ts'
import { describePointerProblem, resolvePaymentTarget, type PaymentTarget } from '../../shared/pointer.ts'
import { err, type Result } from '../../shared/result.ts'
import type { TabStatus } from '../../shared/status.ts'
import type { HeaderPolicy } from './frame-policies.ts'

/** The site a page belongs to: its origin (`https://news.example`), or null for anything else. */
export function siteOf(pageUrl: string): string | null {
  try {
    const url = new URL(pageUrl)
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.origin : null
  } catch {
    return null
  }
}

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
    return err(t('worker_linkNeedsUrl'))
  }
  return target
}

/** A page's own monetization-src (meta CSP) may forbid the receiver it names. */
export function checkPolicy(target: Result<PaymentTarget>, policies: readonly string[], pageUrl: string): Result<PaymentTarget> {
  if (!target.ok || policies.length === 0 || allowedByPolicies(target.value.url, policies, pageUrl)) return target
  return err(t('worker_cspRefuses', target.value.host))
}

/**
 * A receiver on this machine or the local network is paid only from a page there too: a public page
 * must not make Trickle probe what the browser refuses the page itself. Decided before any request,
 * so the page hears the same refusal at once whatever is or is not listening there.
 */
export function checkReach(target: Result<PaymentTarget>, pageUrls: readonly string[]): Result<PaymentTarget> {
  if (!target.ok) return target
  const refusal = reachRefusal(target.value.url, pageUrls)
  return refusal === null ? target : err(refusal)
}

export interface FrameEntry {
  snapshot: PageSnapshot
  pageUrl: string
  refused: Set<string>
  windowId: number | undefined
  /** What the document's response headers say (content scripts cannot see them). */
  headers: HeaderPolicy
}

export const NO_HEADER_POLICY: HeaderPolicy = { csp: [], permissions: null }

export const originOf = (url: string): string => {
  try {
    return new URL(url).origin
  } catch {
    return 'null'
  }
}

/** A frame's CSP policies: those its document declares in <meta> and those its headers set. */
export const policiesOf = (frame: FrameEntry): string[] => [...frame.snapshot.csp, ...frame.headers.csp]

/**
 * Why Permissions-Policy headers keep a frame from monetizing, or null: its own header must allow its
 * own origin, and the header of the frame that embeds it must allow the child's origin (the `allow`
 * attribute can narrow what a parent's header allows, never widen it).
 */
export function permissionRefusal(frame: FrameEntry, parent: FrameEntry | null): string | null {
  const origin = originOf(frame.pageUrl)
  const own = frame.headers.permissions
  if (own !== null && !allowlistMatches(own, origin, origin)) return t('worker_permissionsOwn')
  const above = parent?.headers.permissions ?? null
  if (parent !== null && above !== null && !allowlistMatches(above, origin, originOf(parent.pageUrl))) {
    return t('worker_permissionsParent', origin)
  }
  return null
}
export interface Chosen { frameId: number; tag: TagReport; target: PaymentTarget }

/** What became of one tag, for the event view. */
export interface TagVerdict { frameId: number; kind: 'meta' | 'link'; value: string; verdict: 'paid' | 'ignored' | 'refused'; reason: string }
export interface FrameVerdict { frameId: number; origin: string; allowed: boolean; reason: string }

/**
 * The frames of a tab that may be paid: the top document, and each frame holding a grant that an
 * allowed frame issued (so a nested frame needs every frame on the way to allow it). A grant is
 * honoured for one frame only, the first that presented it.
 */
export function allowedFrames(frames: Map<number, FrameEntry>): number[] {
  const top = frames.get(0)
  const allowed: number[] = top !== undefined && permissionRefusal(top, null) === null ? [0] : []
  const claimed = new Set<string>()
  for (let grew = true; grew;) {
    grew = false
    for (const [id, f] of [...frames].sort(([a], [b]) => a - b)) {
      const grant = f.snapshot.grant
      if (allowed.includes(id) || grant === null || claimed.has(grant)) continue
      const parent = allowed.map((a) => frames.get(a)).find((a) => a?.snapshot.grants.includes(grant) === true)
      if (parent === undefined || permissionRefusal(f, parent) !== null) continue
      allowed.push(id)
      claimed.add(grant)
      grew = true
    }
  }
  return allowed
}

/**
 * Which tags of a tab are paid, and a verdict with a reason for every tag of every frame (the
 * event view shows them to site owners). Decides exactly what reconcile pays.
 */
export function choose(frames: Map<number, FrameEntry>, never: boolean): { chosen: Chosen[]; verdicts: TagVerdict[]; refused: { frameId: number; tag: TagReport; reason: string }[] } {
  const allowed = allowedFrames(frames)
  const chosen: Chosen[] = []
  const verdicts: TagVerdict[] = []
  const refused: { frameId: number; tag: TagReport; reason: string }[] = []
  for (const [frameId, frame] of [...frames].sort(([a], [b]) => a - b)) {
    const payable = new Set(payableTags(frame.snapshot.tags))
    const hasLink = frame.snapshot.tags.some((t) => t.kind === 'link')
    for (const tag of frame.snapshot.tags) {
      const verdict = (v: TagVerdict['verdict'], reason: string): void => { verdicts.push({ frameId, kind: tag.kind, value: tag.value, verdict: v, reason }) }
      // A never-pay site: nothing is resolved, nothing is paid, the page hears nothing.
      if (never) { verdict('ignored', t('worker_tagNever')); continue }
      if (!allowed.includes(frameId)) { verdict('ignored', t('worker_tagFrame')); continue }
      if (!payable.has(tag)) {
        verdict('ignored', tag.kind === 'meta' && hasLink
          ? t('worker_tagLinkFirst')
          : t('worker_tagFirstMeta'))
        continue
      }
      const target = checkReach(checkPolicy(resolveTag(tag), policiesOf(frame), frame.pageUrl), pageUrlsOf(frames, frame.pageUrl))
      if (!target.ok) {
        verdict('refused', target.error)
        refused.push({ frameId, tag, reason: target.error })
        continue
      }
      if (chosen.some((x) => x.target.url === target.value.url)) { verdict('ignored', t('worker_tagSameReceiver')); continue }
      if (chosen.length >= MAX_RECEIVERS_PER_PAGE) { verdict('ignored', t('worker_tagTooMany', MAX_RECEIVERS_PER_PAGE)); continue }
      chosen.push({ frameId, tag, target: target.value })
      verdict('paid', t('worker_tagPays', target.value.url))
    }
  }
  return { chosen, verdicts, refused }
}

/** A frame's URL and its tab's top document's: the least private decides what Trickle may reach. */
export function pageUrlsOf(frames: Map<number, FrameEntry> | undefined, frameUrl: string): string[] {
  const top = frames?.get(0)?.pageUrl
  return top === undefined ? [frameUrl] : [frameUrl, top]
}


/** A tab's frames and tags with what became of each, and why (the event view for site owners). */
export function describeTab(frames: Map<number, FrameEntry>, never: boolean): { frames: FrameVerdict[]; tags: TagVerdict[] } {
  const allowed = allowedFrames(frames)
  const origin = (url: string): string => { try { return new URL(url).origin } catch { return url } }
  return {
    frames: [...frames].sort(([a], [b]) => a - b).map(([frameId, f]) => ({
      frameId,
      origin: origin(f.pageUrl),
      allowed: allowed.includes(frameId),
      reason: (allowed.includes(frameId) ? null : permissionRefusal(f, null)) ?? (frameId === 0 ? (allowed.includes(0) ? t('worker_framePage') : t('worker_frameHeaders'))
        : allowed.includes(frameId) ? t('worker_frameParentAllows')
        : t('worker_frameRefused')),
    })),
    tags: choose(frames, never).verdicts,
  }
}

/** A tab that pays no receiver: why not, from its top document's first payable tag. */
export function unpaidStatus(frames: Map<number, FrameEntry> | undefined, never: boolean): TabStatus {
  const top = frames?.get(0)
  if (top === undefined) return { kind: 'unavailable' }
  if (never) return { kind: 'never' }
  const firstTag = payableTags(top.snapshot.tags)[0]
  if (firstTag !== undefined) {
    const target = checkReach(checkPolicy(resolveTag(firstTag), policiesOf(top), top.pageUrl), pageUrlsOf(frames, top.pageUrl))
    if (!target.ok) return { kind: 'invalid', input: firstTag.value, reason: target.error }
  }
  return { kind: 'not-monetized' }
}
