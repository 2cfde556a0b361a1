/**
 * The policies a document's response headers set for monetization, which its content script cannot
 * see: `Content-Security-Policy` (`monetization-src`, or `default-src` as its fallback) and
 * `Permissions-Policy: monetization=…`. Read from non-blocking webRequest for every top document and
 * iframe, kept per tab and frame by URL (a back/forward-cache page comes back without a request),
 * and in storage.session so that a restarted worker still knows them.
 */
import { monetizationSources } from '../../shared/csp.ts'
import { isRecord } from '../../shared/guards.ts'
import { monetizationAllowlist, type Allowlist } from '../../shared/permissions-policy.ts'

export interface HeaderPolicy {
  /** CSP policies that restrict monetization (each as one policy string). */
  csp: string[]
  /** The Permissions-Policy `monetization` allowlist, or null if the headers declare none. */
  permissions: Allowlist | null
}

export interface HeadersDetails {
  tabId: number
  frameId: number
  url: string
  type: string
  responseHeaders?: { name: string; value?: string }[]
}

/** Remembered URLs per frame (its recent documents: a document's first report reads its own). */
const PER_FRAME = 8
/** Frames per tab, and tabs, whose policies are kept (what a page can make Trickle store is bounded). */
const FRAMES_PER_TAB = 64
const MAX_TABS = 200
/** Changes are written to storage.session together, this long after the first. */
const PERSIST_DELAY_MS = 50
/** Policy strings kept per document: a page may send many; each is bounded as the content script's are. */
const MAX_POLICIES = 8
const MAX_POLICY_LENGTH = 4096
const SESSION_KEY = 'framePolicies'

interface Entry extends HeaderPolicy { url: string }

export interface SessionArea {
  get(key: string): Promise<Record<string, unknown>>
  set(items: Record<string, unknown>): Promise<void>
}

/** A document's URL as both webRequest and a port's sender give it: without its fragment. */
const documentUrl = (url: string): string => url.split('#', 1)[0] ?? url

/** What refuses everything: kept when a policy is too long or there are too many to keep whole. */
const REFUSE_ALL = "monetization-src 'none'"

/**
 * What the response headers say about monetization (empty when nothing restricts it). Of each CSP
 * policy only the directive that governs monetization is kept (`monetization-src`, else
 * `default-src`); one too long to keep, or policies past the limit, are kept as `'none'`: cutting a
 * policy short must never make it allow more.
 */
export function readHeaders(headers: readonly { name: string; value?: string }[]): HeaderPolicy {
  const csp: string[] = []
  const permissions: string[] = []
  for (const { name, value } of headers) {
    if (value === undefined) continue
    const key = name.toLowerCase()
    if (key === 'content-security-policy') {
      // One header field may carry several policies, separated by commas; each must allow the receiver.
      for (const policy of value.split(',')) {
        const sources = monetizationSources(policy)
        if (sources === null) continue
        const kept = `monetization-src ${sources.join(' ')}`
        csp.push(kept.length > MAX_POLICY_LENGTH ? REFUSE_ALL : kept)
      }
    } else if (key === 'permissions-policy') {
      permissions.push(value)
    }
  }
  const kept = csp.length > MAX_POLICIES ? [...csp.slice(0, MAX_POLICIES - 1), REFUSE_ALL] : csp
  return { csp: kept, permissions: monetizationAllowlist(permissions) }
}

export class FramePolicies {
  /** Per tab, per frame, its recent documents' policies (most recent first); maps keep insertion order. */
  private tabs = new Map<number, Map<number, Entry[]>>()
  private persisting: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly session?: SessionArea) {}

  /** webRequest.onHeadersReceived for a main_frame or sub_frame. */
  observed(details: HeadersDetails): void {
    if (details.tabId < 0 || (details.type !== 'main_frame' && details.type !== 'sub_frame')) return
    const policy = readHeaders(details.responseHeaders ?? [])
    // Only documents with something to say are kept: most pages declare nothing, and cost nothing. A
    // response that declares nothing removes nothing either: a page could otherwise erase its own
    // policy by navigating to its URL again and getting, say, a 204 that never becomes a document.
    if (policy.csp.length === 0 && policy.permissions === null) return
    const frames = this.tabs.get(details.tabId) ?? new Map<number, Entry[]>()
    const url = documentUrl(details.url)
    const entries = [{ url, ...policy }, ...(frames.get(details.frameId) ?? []).filter((e) => e.url !== url)].slice(0, PER_FRAME)
    // Re-inserted last: each map's order is least recently written first, which is what is dropped.
    frames.delete(details.frameId)
    frames.set(details.frameId, entries)
    this.tabs.delete(details.tabId)
    this.tabs.set(details.tabId, frames)
    // A page that creates and removes frames endlessly keeps at most FRAMES_PER_TAB of them here (the
    // top document always); the least recently written tab goes past MAX_TABS.
    for (const frameId of frames.keys()) {
      if (frames.size <= FRAMES_PER_TAB) break
      if (frameId !== 0) frames.delete(frameId)
    }
    if (this.tabs.size > MAX_TABS) this.tabs.delete(this.tabs.keys().next().value ?? -1)
    this.persistSoon()
  }

  /** The header policy of the document at `pageUrl` in a tab's frame (none declared: empty). */
  of(tabId: number, frameId: number, pageUrl: string): HeaderPolicy {
    const url = documentUrl(pageUrl)
    const entry = this.tabs.get(tabId)?.get(frameId)?.find((e) => e.url === url)
    return entry === undefined ? { csp: [], permissions: null } : { csp: entry.csp, permissions: entry.permissions }
  }

  tabRemoved(tabId: number): void {
    if (this.tabs.delete(tabId)) this.persistSoon()
  }

  /** What a previous worker of this browser session learnt (anything unreadable is dropped). */
  async load(): Promise<void> {
    if (this.session === undefined) return
    const stored = (await this.session.get(SESSION_KEY))[SESSION_KEY]
    if (!isRecord(stored)) return
    for (const [key, value] of Object.entries(stored)) {
      const ids = /^(\d+):(\d+)$/.exec(key)
      if (ids === null || !Array.isArray(value)) continue
      const entries = value.filter(isEntry).slice(0, PER_FRAME)
      const tabId = Number(ids[1])
      const frames = this.tabs.get(tabId) ?? new Map<number, Entry[]>()
      // What this worker has seen since it started is newer than what the last one stored.
      if (entries.length === 0 || frames.has(Number(ids[2]))) continue
      frames.set(Number(ids[2]), entries)
      this.tabs.set(tabId, frames)
    }
  }

  /** Writes the map once per burst of changes (a page loading many frames costs one write). */
  private persistSoon(): void {
    if (this.session === undefined || this.persisting !== undefined) return
    this.persisting = setTimeout(() => {
      this.persisting = undefined
      const flat: Record<string, Entry[]> = {}
      for (const [tabId, frames] of this.tabs) for (const [frameId, entries] of frames) flat[`${tabId}:${frameId}`] = entries
      void this.session?.set({ [SESSION_KEY]: flat }).catch(() => undefined)
    }, PERSIST_DELAY_MS)
  }
}

function isEntry(v: unknown): v is Entry {
  if (!isRecord(v) || typeof v.url !== 'string' || !Array.isArray(v.csp) || !v.csp.every((p) => typeof p === 'string')) return false
  const p = v.permissions
  return p === null || (isRecord(p) && typeof p.all === 'boolean' && typeof p.self === 'boolean' && Array.isArray(p.origins) && p.origins.every((o) => typeof o === 'string'))
}

/** Documents per tab whose header policy is remembered (its frames, and pages in the back/forward cache). */
const DOCUMENTS_PER_TAB = 64

/**
 * The header policy each document (by its visit id) was first seen with. A document's policy is read
 * once, at its first report, and kept for its life (a page restored from the back/forward cache
 * included): what webRequest reports later (a 204 the page navigated to, say) must not change what
 * this document's own headers said.
 */
export class DocumentPolicies {
  private readonly tabs = new Map<number, Map<string, HeaderPolicy>>()

  of(tabId: number, visitId: string, read: () => HeaderPolicy): HeaderPolicy {
    const memo = this.tabs.get(tabId) ?? new Map<string, HeaderPolicy>()
    this.tabs.set(tabId, memo)
    let policy = memo.get(visitId)
    if (policy === undefined) {
      policy = read()
      memo.set(visitId, policy)
      if (memo.size > DOCUMENTS_PER_TAB) memo.delete(memo.keys().next().value ?? '')
    }
    return policy
  }

  delete(tabId: number): void { this.tabs.delete(tabId) }
}
