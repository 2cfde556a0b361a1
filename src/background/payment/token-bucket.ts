/**
 * A token bucket: `burst` at once, then one more every `refillMs`. It paces what a page or a receiver
 * can make the worker do (page reports, SPSP lookups, packets), whatever they try.
 */
export class TokenBucket {
  private tokens: number
  private refilledAt: number

  constructor(private readonly burst: number, private readonly refillMs: number, private readonly now: () => number) {
    this.tokens = burst
    this.refilledAt = now()
  }

  /** How long until a token is there (0: now). */
  wait(): number {
    const now = this.now()
    const refills = Math.floor((now - this.refilledAt) / this.refillMs)
    if (refills > 0) {
      this.tokens = Math.min(this.burst, this.tokens + refills)
      this.refilledAt = this.tokens === this.burst ? now : this.refilledAt + refills * this.refillMs
    }
    return this.tokens > 0 ? 0 : Math.max(0, this.refilledAt + this.refillMs - now)
  }

  /** Takes a token if there is one. */
  take(): boolean {
    if (this.wait() > 0) return false
    this.tokens--
    return true
  }
}
