/**
 * Keeps the worker told about this page: its tags, whether it is visible, and when it goes away.
 * It sends the whole state each time (idempotent), over a port whose disconnect tells the worker the
 * page is gone, and tells this script the worker restarted, so it reconnects and says it all again.
 */
import type { Browser, Runtime } from 'webextension-polyfill'
import { isBackgroundEnvelope, MAX_TAGS_REPORTED, PAGE_PORT_NAME, type ContentEnvelope, type PageSnapshot, type TagReport } from '../shared/messages.ts'
import { FrameGrants } from './frame-grants.ts'
import { findMetaPolicies, findTags, isTagMutation } from './tags.ts'
import { WmBridge } from './wm-bridge.ts'
import { seenEvent } from '../shared/wm-channel.ts'

export interface ReporterEnv {
  browser: Browser
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
  let port: Runtime.Port | null = null
  let lastSent = ''
  let scheduled = false
  let active = true // false between pagehide and pageshow (back/forward cache)
  let reconnects = 0
  /** Whether this page has reported since it was (re)shown: only then may it stay quiet. */
  let reported = false

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
    const state = snapshot()
    const text = JSON.stringify(state)
    if (port === null) {
      // After its first report, only a page with something to pay (or to vouch for) wakes the worker.
      if (reported && state.tags.length === 0 && state.grants.length === 0) return
      connect()
    }
    if (text === lastSent || port === null) return
    const envelope: ContentEnvelope = { type: 'page-state', input: state }
    try {
      port.postMessage(envelope)
      lastSent = text
      reported = true
    } catch {
      port = null
      schedule()
    }
  }

  function schedule(): void {
    if (scheduled) return
    scheduled = true
    queueMicrotask(send)
  }

  function connect(): void {
    const p = env.browser.runtime.connect({ name: PAGE_PORT_NAME })
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

  const observer = new MutationObserver((records) => {
    if (records.some(isTagMutation)) schedule()
  })
  observer.observe(doc, { childList: true, subtree: true, attributes: true, attributeFilter: ['name', 'content', 'rel', 'href', 'disabled'] })

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
    if ((e as PageTransitionEvent).persisted) {
      reported = false // a restored page reports once, like a new one
      schedule()
    }
  })
  signal.addEventListener('abort', () => {
    observer.disconnect()
    port?.disconnect()
    port = null
  }, { once: true })

  schedule()
}
