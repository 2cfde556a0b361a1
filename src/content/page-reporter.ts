/**
 * Keeps the worker told about this page: its tags, whether it is visible, and when it goes away.
 * It sends the whole state each time (idempotent), over a port whose disconnect tells the worker the
 * page is gone, and tells this script the worker restarted, so it reconnects and says it all again.
 */
import { isBackgroundEnvelope, MAX_TAGS_REPORTED, PAGE_PORT_NAME, PRESENCE_PING, PRESENCE_REPLY, type ContentEnvelope, type PageSnapshot, type TagReport } from '../shared/messages.ts'
import { FrameGrants } from './frame-grants.ts'
import { findMetaPolicies, findTags, watchTags } from './tags.ts'
import { WmBridge } from './wm-bridge.ts'
import { seenEvent } from '../shared/wm-channel.ts'

/** The one port method and events used here: the same in Chromium's `chrome` and Firefox's `browser`. */
export interface ContentPort {
  postMessage(message: unknown): void
  disconnect(): void
  onMessage: { addListener(listener: (message: unknown) => void): void }
  onDisconnect: { addListener(listener: () => void): void }
}

export interface ReporterEnv {
  /** The extension's runtime (no polyfill is loaded into every page for these three). */
  runtime: {
    id: string
    connect(info: { name: string }): ContentPort
    onMessage: { addListener(listener: (message: unknown, sender: { id?: string }, reply: (answer: unknown) => void) => undefined): void }
  }
  document: Document
  window: Window
  now(): number
  randomUUID(): string
}

const RECONNECT_DELAYS_MS = [50, 200, 1000, 5000]
/**
 * A port that lived this long was a working worker's: the next disconnect is a new incident and
 * reconnects at the first delay again. Without this, every worker restart in a page's life waited
 * longer than the one before (0.23 s, 0.43, 1.1, then 5.2 s on the fourth kill).
 */
const STABLE_PORT_MS = 1000

export function startReporter(signal: AbortSignal, env: ReporterEnv): void {
  const { document: doc, window: win } = env
  const visitId = env.randomUUID()
  const firstSeen = new Map<string, number>()
  let port: ContentPort | null = null
  let lastSent = ''
  let scheduled = false
  let active = true // false between pagehide and pageshow (back/forward cache)
  let reconnects = 0

  // Every event the page gets is also told to the worker, for the event view of site owners.
  const bridge = new WmBridge(doc, () => env.randomUUID(), (instruction) => {
    const envelope: ContentEnvelope = { type: 'wm-event', input: seenEvent(instruction, env.now()) }
    try {
      port?.postMessage(envelope)
    } catch {
      // the worker is restarting; the event view misses this one
    }
  })
  const grants = new FrameGrants(doc, win, () => env.randomUUID())

  const visible = (): boolean => doc.visibilityState === 'visible' && !(doc as Document & { prerendering?: boolean }).prerendering

  function snapshot(): PageSnapshot {
    const found = findTags(doc)
    bridge.tagsChanged(found)
    const tags: TagReport[] = found.slice(0, MAX_TAGS_REPORTED).map((t) => {
      const key = `${t.kind} ${t.value}`
      let seenAt = firstSeen.get(key)
      if (seenAt === undefined) {
        seenAt = env.now()
        firstSeen.set(key, seenAt)
      }
      return { kind: t.kind, value: t.value.slice(0, 4096), seenAt }
    })
    return {
      visitId,
      tags,
      visible: visible(),
      csp: findMetaPolicies(doc).slice(0, 8).map((p) => p.slice(0, 4096)),
      grants: grants.issued(),
      grant: grants.received,
    }
  }

  function send(): void {
    scheduled = false
    if (!active || signal.aborted) return
    // Most pages have neither a tag nor a frame: they are told apart here, at the cost of two lookups,
    // before anything else is read or built. (A page whose tags just went still has their stop to hear.)
    if (port === null && !bridge.tracking && !mayReport()) return
    const state = snapshot()
    const text = JSON.stringify(state)
    if (port === null) {
      // Only a page with something to pay (or frames to vouch for) tells the worker of itself: the
      // others cost it nothing from here, and say nothing.
      if (state.tags.length === 0 && state.grants.length === 0) return
      connect()
    }
    if (text === lastSent || port === null) return
    const envelope: ContentEnvelope = { type: 'page-state', input: state }
    try {
      port.postMessage(envelope)
      lastSent = text
    } catch {
      port = null
      schedule()
    }
  }

  /** Whether this page could have anything to report: a tag, or an iframe it might vouch for. */
  function mayReport(): boolean {
    return iframes.length > 0 || findTags(doc).length > 0
  }
  const iframes = doc.getElementsByTagName('iframe')

  function schedule(): void {
    if (scheduled) return
    scheduled = true
    queueMicrotask(send)
  }

  function connect(): void {
    const p = env.runtime.connect({ name: PAGE_PORT_NAME })
    const connectedAt = env.now()
    port = p
    lastSent = ''
    p.onMessage.addListener((message: unknown) => {
      if (port === p && isBackgroundEnvelope(message)) bridge.handle(message.input)
    })
    p.onDisconnect.addListener(() => {
      if (port !== p) return
      port = null
      lastSent = ''
      if (!active || signal.aborted) return
      if (env.now() - connectedAt >= STABLE_PORT_MS) reconnects = 0
      // The worker went away (restart, update): come back and say everything again.
      const delay = RECONNECT_DELAYS_MS[Math.min(reconnects++, RECONNECT_DELAYS_MS.length - 1)]
      setTimeout(() => { if (port === null) send() }, delay)
    })
  }

  const unwatch = watchTags(doc, schedule)

  const listen = (target: EventTarget, type: string, fn: (e: Event) => void): void =>
    target.addEventListener(type, fn, { signal })
  // A grant from the parent frame (a child frame is paid only with one); anything else is ignored.
  listen(win, 'message', (e) => { if (grants.receive(e as MessageEvent<unknown>)) schedule() })
  // Each time an allowed iframe loads a document, that document gets its grant.
  doc.addEventListener('load', (e) => { if (e.target instanceof HTMLIFrameElement) { grants.post(); schedule() } }, { capture: true, signal })
  listen(doc, 'visibilitychange', schedule)
  listen(doc, 'prerenderingchange', schedule)
  listen(doc, 'DOMContentLoaded', schedule)
  listen(win, 'pagehide', () => {
    active = false
    port?.disconnect()
    port = null
    lastSent = ''
  })
  listen(win, 'pageshow', (e) => {
    active = true
    if ((e as PageTransitionEvent).persisted) schedule()
  })
  // The popup's question about a tab that never reported (top frame only): yes, here, with no tag.
  if (win.parent === win) {
    env.runtime.onMessage.addListener((message, sender, reply) => {
      if (message === PRESENCE_PING && sender.id === env.runtime.id && !signal.aborted) reply(PRESENCE_REPLY)
      return undefined
    })
  }
  signal.addEventListener('abort', () => {
    unwatch()
    port?.disconnect()
    port = null
  }, { once: true })

  schedule()
}
