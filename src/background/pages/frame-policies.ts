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

/** Remembered URLs per frame (its recent documents, for the back/forward cache). */
const PER_FRAME = 4
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

/** What the response headers say about monetization (empty when nothing restricts it). */
export function readHeaders(headers: readonly { name: string; value?: string }[]): HeaderPolicy {
  const csp: string[] = []
  const permissions: string[] = []
  for (const { name, value } of headers) {
    if (value === undefined) continue
    const key = name.toLowerCase()
    if (key === 'content-security-policy') {
      // One header field may carry several policies, separated by commas; each must allow the receiver.
      for (const policy of value.split(',')) if (monetizationSources(policy) !== null) csp.push(policy.trim().slice(0, MAX_POLICY_LENGTH))
    } else if (key === 'permissions-policy') {
      permissions.push(value)
    }
  }
  return { csp: csp.slice(0, MAX_POLICIES), permissions: monetizationAllowlist(permissions) }
}

export class FramePolicies {
  private frames = new Map<string, Entry[]>()

  constructor(private readonly session?: SessionArea) {}

  /** webRequest.onHeadersReceived for a main_frame or sub_frame. */
  observed(details: HeadersDetails): void {
    if (details.tabId < 0 || (details.type !== 'main_frame' && details.type !== 'sub_frame')) return
    const key = `${details.tabId}:${details.frameId}`
    const url = documentUrl(details.url)
    const policy = readHeaders(details.responseHeaders ?? [])
    const others = (this.frames.get(key) ?? []).filter((e) => e.url !== url)
    const restricts = policy.csp.length > 0 || policy.permissions !== null
    // Only documents with something to say are kept: most pages declare nothing, and cost nothing.
    if (!restricts && others.length === (this.frames.get(key) ?? []).length) return
    const next = restricts ? [{ url, ...policy }, ...others].slice(0, PER_FRAME) : others
    if (next.length > 0) this.frames.set(key, next)
    else this.frames.delete(key)
    this.persist()
  }

  /** The header policy of the document at `pageUrl` in a tab's frame (none declared: empty). */
  of(tabId: number, frameId: number, pageUrl: string): HeaderPolicy {
    const url = documentUrl(pageUrl)
    const entry = this.frames.get(`${tabId}:${frameId}`)?.find((e) => e.url === url)
    return entry === undefined ? { csp: [], permissions: null } : { csp: entry.csp, permissions: entry.permissions }
  }

  tabRemoved(tabId: number): void {
    let changed = false
    for (const key of [...this.frames.keys()]) {
      if (key.startsWith(`${tabId}:`)) {
        this.frames.delete(key)
        changed = true
      }
    }
    if (changed) this.persist()
  }

  /** What a previous worker of this browser session learnt (anything unreadable is dropped). */
  async load(): Promise<void> {
    if (this.session === undefined) return
    const stored = (await this.session.get(SESSION_KEY))[SESSION_KEY]
    if (!isRecord(stored)) return
    for (const [key, value] of Object.entries(stored)) {
      if (!/^\d+:\d+$/.test(key) || !Array.isArray(value)) continue
      const entries = value.filter(isEntry).slice(0, PER_FRAME)
      // What this worker has seen since it started is newer than what the last one stored.
      if (entries.length > 0 && !this.frames.has(key)) this.frames.set(key, entries)
    }
  }

  private persist(): void {
    void this.session?.set({ [SESSION_KEY]: Object.fromEntries(this.frames) }).catch(() => undefined)
  }
}

function isEntry(v: unknown): v is Entry {
  if (!isRecord(v) || typeof v.url !== 'string' || !Array.isArray(v.csp) || !v.csp.every((p) => typeof p === 'string')) return false
  const p = v.permissions
  return p === null || (isRecord(p) && typeof p.all === 'boolean' && typeof p.self === 'boolean' && Array.isArray(p.origins) && p.origins.every((o) => typeof o === 'string'))
}
