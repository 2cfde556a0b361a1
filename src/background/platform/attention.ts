/**
 * Whether the person is actually looking: a page is paid only while its tab is visible (the content
 * script reports that), its window has focus, and the user is not idle. Trickle's own popup takes
 * focus from the window while it is open; that must not pause the page it is showing (WMX #390),
 * so focus changes are ignored while a popup is open.
 *
 * Focus is read from `windows.getAll()` after each change rather than from the change event alone:
 * window managers emit WINDOW_ID_NONE in passing, and headless Chromium reports every window focused.
 */
import { t } from '../../shared/i18n.ts'
export type IdleState = 'active' | 'idle' | 'locked'

export interface AttentionPlatform {
  /** The ids of windows that have focus now. */
  focusedWindows(): Promise<number[]>
  /** The ids of the tabs in front of their windows, in windows that are not minimised. */
  shownTabs?(): Promise<number[]>
}

export class Attention {
  /** null until first read: unknown focus must not stop payment. */
  private focused: Set<number> | null = null
  /**
   * What the browser itself says is shown, cross-checked against what a page's content script says
   * (a compromised renderer could claim a hidden tab is visible). null until first read.
   */
  private shown: Set<number> | null = null
  private idle: IdleState = 'active'
  private popups = 0
  private readonly listeners = new Set<() => void>()
  private reading = 0

  constructor(private readonly platform: AttentionPlatform) {}

  onChange(listener: () => void): void { this.listeners.add(listener) }

  private changed(): void { for (const l of this.listeners) l() }

  /** Re-reads which windows have focus and which tabs are shown (at start, on every change of either). */
  async refreshFocus(): Promise<void> {
    const seq = ++this.reading
    const [ids, tabs] = await Promise.all([
      this.platform.focusedWindows().catch(() => null),
      this.platform.shownTabs?.().catch(() => null) ?? Promise.resolve(null),
    ])
    if (seq !== this.reading || this.popups > 0) return
    let changed = false
    if (ids !== null && !sameSet(this.focused, ids)) {
      this.focused = new Set(ids)
      changed = true
    }
    if (tabs !== null && !sameSet(this.shown, tabs)) {
      this.shown = new Set(tabs)
      changed = true
    }
    if (changed) this.changed()
  }

  setIdle(state: IdleState): void {
    if (state === this.idle) return
    this.idle = state
    this.changed()
  }

  popupOpened(): void { this.popups += 1 }

  popupClosed(): void {
    this.popups = Math.max(0, this.popups - 1)
    if (this.popups === 0) void this.refreshFocus()
  }

  /** Why tab `tabId` of `windowId` is not being looked at, or null if it is. */
  reason(windowId: number | undefined, tabId?: number): string | null {
    if (this.idle === 'locked') return t('worker_screenLocked')
    if (this.idle === 'idle') return t('worker_idle')
    if (this.shown !== null && tabId !== undefined && !this.shown.has(tabId)) return t('worker_tabNotShown')
    if (this.focused !== null && windowId !== undefined && !this.focused.has(windowId)) {
      return t('worker_windowUnfocused')
    }
    return null
  }
}

function sameSet(known: Set<number> | null, ids: readonly number[]): boolean {
  return known !== null && known.size === new Set(ids).size && ids.every((id) => known.has(id))
}
