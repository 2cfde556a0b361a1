/**
 * Retry delays after failures: 1 s doubling to a minute, and a limit after which Trickle gives up and
 * says so instead of retrying forever (docs/PRIOR-ART.md, WMX #394).
 */
export const RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 16_000, 30_000, 60_000] as const
export const GIVE_UP_AFTER = 8

export class Backoff {
  private failures = 0

  constructor(private readonly delays: readonly number[] = RETRY_DELAYS_MS, private readonly limit = GIVE_UP_AFTER) {}

  /** Records a failure; returns how long to wait before the next try, or null to give up. */
  fail(): number | null {
    this.failures++
    if (this.failures >= this.limit) return null
    return this.delays[Math.min(this.failures - 1, this.delays.length - 1)] ?? null
  }

  reset(): void { this.failures = 0 }

  get count(): number { return this.failures }
}

/** Retry delays while the uplink cannot be reached. */
export const UPLINK_RETRY_DELAYS_MS = [500, 1000, 2000] as const
/**
 * Connections a receiver may refuse in a row (final rejects, or replies it made unreadable) before it
 * is stopped for this visit, as a 4xx SPSP answer stops it: its reason goes to the popup and the page.
 */
export const REFUSALS_TO_STOP = 3

/** When a visit tries again, and when it gives up. */
export class Retries {
  private readonly receiver = new Backoff()
  /**
   * The user's own uplink being unreachable is not the receiver's fault and passes: it is retried
   * often (every 2 s at most) and never given up on, so payment resumes within seconds of a connector
   * restart or a network coming back. Connection attempts are not packets: no receiver sees them.
   */
  private readonly uplink = new Backoff(UPLINK_RETRY_DELAYS_MS, Number.POSITIVE_INFINITY)
  /** Connections in a row the receiver refused (see REFUSALS_TO_STOP). */
  private refusals = 0

  /** A packet was fulfilled: the path works. Money that arrived also clears the refusals. */
  paid(moneyArrived: boolean): void {
    this.receiver.reset()
    this.uplink.reset()
    if (moneyArrived) this.refusals = 0
  }

  /** The uplink changed: both back-offs start again. */
  reset(): void {
    this.receiver.reset()
    this.uplink.reset()
  }

  /** A new page (a reload) is the person's "try again": the receiver's count starts afresh. */
  afresh(): void {
    this.refusals = 0
    this.receiver.reset()
  }

  /** The receiver refused a connection: true when that makes one too many. */
  refused(): boolean { return ++this.refusals >= REFUSALS_TO_STOP }

  /** A retryable failure: how long to wait, or null to give up after `count` attempts. */
  next(uplinkFailed: boolean): { delay: number | null; count: number } {
    const b = uplinkFailed ? this.uplink : this.receiver
    const delay = b.fail()
    return { delay, count: b.count }
  }
}
