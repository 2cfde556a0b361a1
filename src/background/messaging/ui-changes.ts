/**
 * Extension pages are told, not polling: each open page (the popup, the options, the event view)
 * holds a port, and the worker posts "changed" on it when what a page shows may have changed (a
 * payment, a tab's status, the uplink, the settings). Notices are coalesced: at most one per
 * interval, the last change always followed by one.
 */
import type { Runtime } from 'webextension-polyfill'
import type { ChangedNotice } from '../../shared/messages.ts'

export const CHANGE_INTERVAL_MS = 250

export class UiChanges {
  private readonly ports = new Set<Runtime.Port>()
  private lastAt = Number.NEGATIVE_INFINITY
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(private readonly now: () => number = Date.now) {}

  /** A page's port (its sender already checked): told of changes until it disconnects. */
  watch(port: Runtime.Port): void {
    this.ports.add(port)
    port.onDisconnect.addListener(() => { this.ports.delete(port) })
  }

  get watching(): number { return this.ports.size }

  changed(): void {
    if (this.ports.size === 0 || this.timer !== undefined) return
    const wait = this.lastAt + CHANGE_INTERVAL_MS - this.now()
    if (wait <= 0) {
      this.tell()
      return
    }
    this.timer = setTimeout(() => {
      this.timer = undefined
      this.tell()
    }, wait)
  }

  private tell(): void {
    this.lastAt = this.now()
    const notice: ChangedNotice = { type: 'changed' }
    for (const port of this.ports) {
      try {
        port.postMessage(notice)
      } catch {
        this.ports.delete(port) // closing; its disconnect follows
      }
    }
  }
}
