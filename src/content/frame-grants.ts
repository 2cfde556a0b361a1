/**
 * Which iframes a frame vouches for, and the grant a frame got from its parent. A frame allows its
 * same-origin iframes and those whose `allow` list grants monetization; it gives each a nonce, reports
 * the nonces to the worker and posts each to its iframe with the iframe's origin as target. A child
 * reports the nonce it received; the worker pays a frame only if an allowed frame issued it.
 */
import { isFrameGrant, MAX_GRANTS, type FrameGrant } from '../shared/messages.ts'
import { allowGrantsMonetization } from '../shared/permissions-policy.ts'

interface Granted { frame: HTMLIFrameElement; nonce: string; targetOrigin: string }

export class FrameGrants {
  /** The grant this frame's parent posted to it (a child frame is paid only with one). */
  received: string | null = null
  /** One nonce per iframe element this frame allows. */
  private readonly nonces = new WeakMap<HTMLIFrameElement, string>()

  constructor(private readonly doc: Document, private readonly win: Window, private readonly randomUUID: () => string) {}

  /** The nonces of the iframes this frame allows now. */
  issued(): string[] {
    return this.granted().map((g) => g.nonce)
  }

  /** Tells each allowed iframe its nonce; the target origin keeps it from any other document. */
  post(): void {
    for (const { frame, nonce, targetOrigin } of this.granted()) {
      const message: FrameGrant = { trickleGrant: nonce }
      try {
        frame.contentWindow?.postMessage(message, targetOrigin)
      } catch {
        // the frame has navigated to another origin: it gets nothing
      }
    }
  }

  /** Takes a grant from the parent frame (anything else is ignored); true if it changed. */
  receive(e: MessageEvent<unknown>): boolean {
    if (this.win.parent === this.win || e.source !== this.win.parent || !isFrameGrant(e.data) || e.data.trickleGrant === this.received) return false
    this.received = e.data.trickleGrant
    return true
  }

  private granted(): Granted[] {
    const own = this.win.location.origin
    const granted: Granted[] = []
    for (const frame of this.doc.querySelectorAll('iframe')) {
      let srcOrigin: string
      try {
        const src = frame.getAttribute('src')
        srcOrigin = src === null || src === '' || src.startsWith('about:') || frame.hasAttribute('srcdoc') ? own : new URL(src, this.doc.baseURI).origin
      } catch {
        continue
      }
      // An opaque origin (a data: URL, say) names no document: a grant posted to it would reach whatever
      // the frame navigates itself to. Such frames get none.
      if (srcOrigin === 'null') continue
      if (srcOrigin !== own && !allowGrantsMonetization(frame.getAttribute('allow'), srcOrigin, own)) continue
      let nonce = this.nonces.get(frame)
      if (nonce === undefined) {
        nonce = this.randomUUID()
        this.nonces.set(frame, nonce)
      }
      granted.push({ frame, nonce, targetOrigin: srcOrigin })
      if (granted.length >= MAX_GRANTS) break
    }
    return granted
  }
}
