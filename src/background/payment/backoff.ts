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
