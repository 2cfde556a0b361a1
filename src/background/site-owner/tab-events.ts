/** The last events each tab's pages received, for the event view (a ring buffer per tab, in memory). */
import type { SeenEvent } from '../../shared/wm-channel.ts'

export const EVENTS_PER_TAB = 200

export interface FrameEvent extends SeenEvent { frameId: number }

export class TabEvents {
  private readonly byTab = new Map<number, FrameEvent[]>()

  add(tabId: number, frameId: number, e: SeenEvent): void {
    const list = this.byTab.get(tabId) ?? []
    this.byTab.set(tabId, list)
    list.push({ ...e, frameId })
    if (list.length > EVENTS_PER_TAB) list.splice(0, list.length - EVENTS_PER_TAB)
  }

  of(tabId: number): FrameEvent[] { return [...(this.byTab.get(tabId) ?? [])] }

  forget(tabId: number): void { this.byTab.delete(tabId) }
}
