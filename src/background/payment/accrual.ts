/**
 * Pacing arithmetic: how much a visit may have sent by now. It is the integral of the rate over the
 * time the page was visible, read from the wall clock, never a count of ticks, so late or skipped
 * ticks cannot make it drift (docs/PRIOR-ART.md, WMX #375). All amounts are bigint units of the uplink asset.
 */
export const HOUR_MS = 3_600_000n

/** Each second is paid at its start: the first packet leaves as soon as the connection is up. */
export const LEAD_MS = 1000

export interface AccrualJson { folded: string; segmentMs: number; visibleSince: number | null; ratePerHour: string | null }

export class Accrual {
  /** Units accrued in earlier rate segments, already rounded down. */
  private folded = 0n
  /** Visible ms at the current rate, not counting the open interval since `visibleSince`. */
  private segmentMs = 0
  private visibleSince: number | null = null
  /** Units per hour; null until the uplink's asset scale is known (ms still accrue meanwhile). */
  private ratePerHour: bigint | null = null

  static fromJson(j: AccrualJson): Accrual {
    const a = new Accrual()
    a.folded = BigInt(j.folded)
    a.segmentMs = j.segmentMs
    a.visibleSince = j.visibleSince
    a.ratePerHour = j.ratePerHour === null ? null : BigInt(j.ratePerHour)
    return a
  }

  toJson(): AccrualJson {
    return { folded: this.folded.toString(), segmentMs: this.segmentMs, visibleSince: this.visibleSince, ratePerHour: this.ratePerHour?.toString() ?? null }
  }

  get visible(): boolean { return this.visibleSince !== null }

  show(now: number): void {
    this.visibleSince ??= now
  }

  hide(now: number): void {
    if (this.visibleSince === null) return
    this.segmentMs += Math.max(0, now - this.visibleSince)
    this.visibleSince = null
  }

  /** Visible ms so far in the current rate segment. */
  private segmentAt(now: number): number {
    return this.segmentMs + (this.visibleSince === null ? 0 : Math.max(0, now - this.visibleSince))
  }

  /**
   * Changes the rate from `now` on. The first rate set also prices the time visible before it was
   * known (the page was seen; the asset just was not known yet).
   */
  setRate(ratePerHour: bigint, now: number): void {
    if (ratePerHour < 0n) throw new RangeError('negative rate')
    if (this.ratePerHour !== null && this.ratePerHour !== ratePerHour) {
      this.folded = this.accrued(now)
      this.segmentMs = 0
      if (this.visibleSince !== null) this.visibleSince = now
    }
    this.ratePerHour = ratePerHour
  }

  get rate(): bigint | null { return this.ratePerHour }

  /** Total units accrued by `now` (pass `now + LEAD_MS` for what may be authorised). */
  accrued(now: number): bigint {
    if (this.ratePerHour === null) return this.folded
    return this.folded + (this.ratePerHour * BigInt(Math.floor(this.segmentAt(now)))) / HOUR_MS
  }

  visibleMs(now: number): number {
    return this.segmentAt(now)
  }
}
