/**
 * Whether the person is actually looking: a page is paid only while its tab is visible (the content
 * script reports that), its window has focus, and the user is not idle. Trickle's own popup takes
 * focus from the window while it is open; that must not pause the page it is showing (WMX #390),
 * so focus changes are ignored while a popup is open.
 *
 * Focus is read from `windows.getAll()` after each change rather than from the change event alone:
 * window managers emit WINDOW_ID_NONE in passing, and headless Chromium reports every window focused.
 */
export type IdleState = 'active' | 'idle' | 'locked'

export interface AttentionPlatform {
  /** The ids of windows that have focus now. */
  focusedWindows(): Promise<number[]>
}

export class Attention {
  /** null until first read: unknown focus must not stop payment. */
  private focused: Set<number> | null = null
  private idle: IdleState = 'active'
  private popups = 0
  private readonly listeners = new Set<() => void>()
  private reading = 0

  constructor(private readonly platform: AttentionPlatform) {}

  onChange(listener: () => void): void { this.listeners.add(listener) }

  private changed(): void { for (const l of this.listeners) l() }

  /** Re-reads which windows have focus (at start, and on every focus change). */
  async refreshFocus(): Promise<void> {
    const seq = ++this.reading
    const ids = await this.platform.focusedWindows().catch(() => null)
    if (seq !== this.reading || ids === null || this.popups > 0) return
    const next = new Set(ids)
    if (this.focused !== null && next.size === this.focused.size && [...next].every((id) => this.focused?.has(id))) return
    this.focused = next
    this.changed()
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

  /** Why a tab of `windowId` is not being looked at, or null if it is. */
  reason(windowId: number | undefined): string | null {
    if (this.idle === 'locked') return 'The screen is locked.'
    if (this.idle === 'idle') return 'You have been away from the keyboard and mouse; payment resumes when you are back.'
    if (this.focused !== null && windowId !== undefined && !this.focused.has(windowId)) {
      return 'The window does not have focus.'
    }
    return null
  }
}
