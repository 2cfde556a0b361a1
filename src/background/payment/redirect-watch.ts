/**
 * Where the worker's own redirected requests were sent. A browser hides the Location of a manual
 * redirect from `fetch` ('opaqueredirect'), but webRequest's onBeforeRedirect reports it for the
 * worker's requests too, before anything is sent to the new URL (measured in Chromium 156: the manual
 * fetch stops there, the target is never contacted). SPSP uses this to check each hop first.
 */
export interface RedirectDetails { url: string; redirectUrl: string; tabId: number; initiator?: string; timeStamp?: number }

/** How long a lookup waits for the event that follows its opaque redirect. */
export const REDIRECT_EVENT_WAIT_MS = 2000
const MAX_REMEMBERED = 64

export class RedirectWatch {
  private seen: { url: string; to: string; at: number }[] = []
  private readonly waiting = new Set<() => void>()

  constructor(private readonly extensionOrigin: string, private readonly now: () => number = Date.now) {}

  /** webRequest.onBeforeRedirect: only requests of this extension's worker (no tab) count. */
  observed(details: RedirectDetails): void {
    if (details.tabId !== -1 || (details.initiator !== undefined && details.initiator !== this.extensionOrigin)) return
    this.seen.push({ url: details.url, to: details.redirectUrl, at: this.now() })
    if (this.seen.length > MAX_REMEMBERED) this.seen = this.seen.slice(-MAX_REMEMBERED)
    for (const wake of [...this.waiting]) wake()
  }

  /** The target of the redirect of the request for `url` sent at `sentAt`; each report is used once. */
  async target(url: string, sentAt: number, waitMs = REDIRECT_EVENT_WAIT_MS): Promise<string | null> {
    const take = (): string | null => {
      const i = this.seen.findIndex((s) => s.url === url && s.at >= sentAt)
      if (i < 0) return null
      const [found] = this.seen.splice(i, 1)
      return found?.to ?? null
    }
    const now = take()
    if (now !== null) return now
    return new Promise((resolve) => {
      const done = (value: string | null): void => {
        this.waiting.delete(wake)
        clearTimeout(timer)
        resolve(value)
      }
      const wake = (): void => {
        const found = take()
        if (found !== null) done(found)
      }
      const timer = setTimeout(() => done(null), waitMs)
      this.waiting.add(wake)
    })
  }
}
