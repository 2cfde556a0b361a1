/**
 * Keeps the worker told about this page: its tags, whether it is visible, and when it goes away.
 * It sends the whole state each time (idempotent), over a port whose disconnect tells the worker the
 * page is gone, and tells this script the worker restarted, so it reconnects and says it all again.
 */
import type { Browser, Runtime } from 'webextension-polyfill'
import { isBackgroundEnvelope, isFrameGrant, MAX_GRANTS, MAX_TAGS_REPORTED, PAGE_PORT_NAME, type ContentEnvelope, type FrameGrant, type PageSnapshot, type TagReport } from '../shared/messages.ts'
import { allowGrantsMonetization } from '../shared/permissions-policy.ts'
import { findMetaPolicies, findTags, isTagMutation } from './tags.ts'
import { WmBridge } from './wm-bridge.ts'

export interface ReporterEnv {
  browser: Browser
  document: Document
  window: Window
  now(): number
  randomUUID(): string
}

const RECONNECT_DELAYS_MS = [50, 200, 1000, 5000]

export function startReporter(signal: AbortSignal, env: ReporterEnv): void {
  const { document: doc, window: win } = env
  const visitId = env.randomUUID()
  const firstSeen = new Map<string, number>()
  let port: Runtime.Port | null = null
  let lastSent = ''
  let scheduled = false
  let active = true // false between pagehide and pageshow (back/forward cache)
  let reconnects = 0

  const bridge = new WmBridge(doc, () => env.randomUUID())
  /** The grant this frame's parent posted to it (a child frame is paid only with one). */
  let grant: string | null = null
  /** Nonces given to the iframes this frame allows, one per iframe element. */
  const grantsByFrame = new WeakMap<HTMLIFrameElement, string>()

  /** Iframes this frame vouches for: same origin, or an `allow` list granting monetization. */
  function grantedFrames(): { frame: HTMLIFrameElement; nonce: string; targetOrigin: string }[] {
    const own = win.location.origin
    const granted: { frame: HTMLIFrameElement; nonce: string; targetOrigin: string }[] = []
    for (const frame of doc.querySelectorAll('iframe')) {
      let srcOrigin: string
      try {
        const src = frame.getAttribute('src')
        srcOrigin = src === null || src === '' || src.startsWith('about:') || frame.hasAttribute('srcdoc') ? own : new URL(src, doc.baseURI).origin
      } catch {
        continue
      }
      if (srcOrigin !== own && !allowGrantsMonetization(frame.getAttribute('allow'), srcOrigin, own)) continue
      let nonce = grantsByFrame.get(frame)
      if (nonce === undefined) {
        nonce = env.randomUUID()
        grantsByFrame.set(frame, nonce)
      }
      granted.push({ frame, nonce, targetOrigin: srcOrigin === 'null' ? '*' : srcOrigin })
      if (granted.length >= MAX_GRANTS) break
    }
    return granted
  }

  /** Tells each allowed iframe its nonce; the target origin keeps it from any other document. */
  function postGrants(): void {
    for (const { frame, nonce, targetOrigin } of grantedFrames()) {
      const message: FrameGrant = { trickleGrant: nonce }
      try {
        frame.contentWindow?.postMessage(message, targetOrigin)
      } catch {
        // the frame has navigated to another origin: it gets nothing
      }
    }
  }

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
      grants: grantedFrames().map((g) => g.nonce),
      grant,
    }
  }

  function send(): void {
    scheduled = false
    if (!active || signal.aborted) return
    const state = snapshot()
    const text = JSON.stringify(state)
    if (port === null) {
      // Only a page with something to pay (or to vouch for) wakes the worker.
      if (state.tags.length === 0 && state.grants.length === 0 && lastSent !== '') return
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

  function schedule(): void {
    if (scheduled) return
    scheduled = true
    queueMicrotask(send)
  }

  function connect(): void {
    const p = env.browser.runtime.connect({ name: PAGE_PORT_NAME })
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
      // The worker went away (restart, update): come back and say everything again.
      const delay = RECONNECT_DELAYS_MS[Math.min(reconnects++, RECONNECT_DELAYS_MS.length - 1)]
      setTimeout(() => {
        if (port === null && (findTags(doc).length > 0 || grantedFrames().length > 0)) send()
      }, delay)
    })
  }

  const observer = new MutationObserver((records) => {
    if (records.some(isTagMutation)) schedule()
  })
  observer.observe(doc, { childList: true, subtree: true, attributes: true, attributeFilter: ['name', 'content', 'rel', 'href', 'disabled'] })

  const listen = (target: EventTarget, type: string, fn: (e: Event) => void): void =>
    target.addEventListener(type, fn, { signal })
  // A grant from the parent frame (a child frame is paid only with one); anything else is ignored.
  listen(win, 'message', (e) => {
    const m = e as MessageEvent<unknown>
    if (win.parent === win || m.source !== win.parent || !isFrameGrant(m.data) || m.data.trickleGrant === grant) return
    grant = m.data.trickleGrant
    schedule()
  })
  // Each time an allowed iframe loads a document, that document gets its grant.
  doc.addEventListener('load', (e) => { if (e.target instanceof HTMLIFrameElement) { postGrants(); schedule() } }, { capture: true, signal })
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
  signal.addEventListener('abort', () => {
    observer.disconnect()
    port?.disconnect()
    port = null
  }, { once: true })

  schedule()
}
