/**
 * The SPSP lookups one tab can cause, bounded. A page chooses the URLs the worker fetches: churning
 * its links (5,000 adds and removes a second were seen to cause about 1,900 requests in 8 s) must not
 * turn the worker into a request cannon aimed wherever the page likes. Per tab, lookups are paced by
 * a token bucket, and the page's receiver cap applies to them too: at most that many distinct
 * receivers are looked up within a window. A lookup over either limit waits; it is never refused, so
 * a page that is merely busy is paid a little later, not stopped.
 */

import { TokenBucket } from './token-bucket.ts'

/** Lookups a tab may make at once before pacing starts (a page of five receivers loads at once). */
export const LOOKUP_BURST = 5
/** After the burst, one more lookup per this many ms. */
export const LOOKUP_REFILL_MS = 1000
/** Distinct receivers looked up within this window count against the cap. */
export const LOOKUP_WINDOW_MS = 30_000

export class LookupLimiter {
  private readonly bucket: TokenBucket
  /** Receiver URL → when it was last looked up (only those within the window matter). */
  private readonly recent = new Map<string, number>()

  constructor(private readonly now: () => number, private readonly distinct: number) {
    this.bucket = new TokenBucket(LOOKUP_BURST, LOOKUP_REFILL_MS, now)
  }

  /** How long `url` must wait before it may be looked up (0: now). */
  private wait(url: string): number {
    const now = this.now()
    for (const [u, at] of this.recent) if (now - at >= LOOKUP_WINDOW_MS) this.recent.delete(u)
    let wait = this.bucket.wait()
    if (!this.recent.has(url) && this.recent.size >= this.distinct) {
      const oldest = Math.min(...this.recent.values())
      wait = Math.max(wait, oldest + LOOKUP_WINDOW_MS - now)
    }
    return Math.max(0, wait)
  }

  /** Resolves true once `url` may be looked up (the lookup is then counted), false if `signal` aborts first. */
  async acquire(url: string, signal: AbortSignal): Promise<boolean> {
    for (let wait = this.wait(url); wait > 0; wait = this.wait(url)) {
      if (!(await sleep(wait, signal))) return false
    }
    if (signal.aborted) return false
    this.bucket.take()
    this.recent.set(url, this.now())
    return true
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) { resolve(false); return }
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(true) }, ms)
    const onAbort = (): void => { clearTimeout(timer); resolve(false) }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
