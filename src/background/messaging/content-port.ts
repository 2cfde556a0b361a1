/**
 * The worker's end of each page's port. Only Trickle's own content scripts in a tab's frames may
 * connect (a frame other than the top is paid only if the monetizer finds it allowed); every message
 * is checked by a guard; a port that says anything malformed is dropped.
 */
import type { Runtime } from 'webextension-polyfill'
import { isContentEnvelope, PAGE_PORT_NAME, type BackgroundEnvelope, type PaymentEvent } from '../../shared/messages.ts'
import type { Log } from '../../shared/log.ts'
import type { Monetizer } from '../pages/monetizer.ts'
import type { TabEvents } from '../site-owner/tab-events.ts'

/** The live port of each tab's page, to send it payment events. */
export class PagePorts {
  private readonly ports = new Map<string, Runtime.Port>()

  set(tabId: number, frameId: number, port: Runtime.Port): void { this.ports.set(`${tabId}:${frameId}`, port) }

  delete(tabId: number, frameId: number, port: Runtime.Port): void {
    if (this.ports.get(`${tabId}:${frameId}`) === port) this.ports.delete(`${tabId}:${frameId}`)
  }

  send(tabId: number, frameId: number, event: PaymentEvent): void {
    const envelope: BackgroundEnvelope = { type: 'payment-event', input: event }
    try {
      this.ports.get(`${tabId}:${frameId}`)?.postMessage(envelope)
    } catch {
      // the page is going away; its port's disconnect will follow
    }
  }
}

export function createPortHandler(deps: { extensionId: string; monetizer: Monetizer; ready: Promise<void>; log: Log; ports?: PagePorts; events?: TabEvents; changed?: () => void }) {
  return (port: Runtime.Port): void => {
    const sender = port.sender
    const tabId = sender?.tab?.id
    const frameId = sender?.frameId
    if (port.name !== PAGE_PORT_NAME || sender?.id !== deps.extensionId || tabId === undefined || tabId < 0 || frameId === undefined || frameId < 0) {
      port.disconnect()
      return
    }
    let visitId: string | null = null
    port.onMessage.addListener((message: unknown) => {
      const valid = isContentEnvelope(message)
      if (valid && message.type === 'wm-event') {
        // What the page was told, for the event view; it changes nothing else.
        if (visitId !== null) {
          deps.events?.add(tabId, frameId, message.input)
          deps.changed?.()
        }
        return
      }
      if (!valid || message.type !== 'page-state' || (visitId !== null && message.input.visitId !== visitId)) {
        deps.log.warn(`tab ${tabId}: malformed page message; dropping the port`)
        port.disconnect()
        if (visitId !== null) deps.monetizer.pageGone(tabId, visitId, frameId)
        return
      }
      visitId = message.input.visitId
      deps.ports?.set(tabId, frameId, port)
      const snapshot = message.input
      // A message can wake the worker: wait until the visits of the previous worker are loaded.
      const pageUrl = sender.url ?? ''
      const windowId = sender.tab?.windowId
      void deps.ready.then(() => {
        deps.monetizer.pageState(tabId, snapshot, pageUrl, frameId, windowId)
        deps.changed?.()
      })
    })
    port.onDisconnect.addListener(() => {
      deps.ports?.delete(tabId, frameId, port)
      if (visitId === null) return
      const gone = visitId
      void deps.ready.then(() => {
        deps.monetizer.pageGone(tabId, gone, frameId)
        deps.changed?.()
      })
    })
  }
}
