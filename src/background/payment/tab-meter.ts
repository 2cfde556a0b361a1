/**
 * A tab's paid time: the ceiling no page can bend. Every receiver of every page and frame of one tab
 * draws on one meter, worth the tab's rate × the time someone looked at it, plus the leading second
 * once. Visits come and go with tags, frames, reloads and navigation; the meter stays with the tab,
 * so a tag that comes back, a swapped `href` or a new frame never earns a new first second (the
 * peer extension's "100 links cost $2 on page load"; here a link toggled every 20 ms was paid 17×
 * the rate before the meter existed).
 *
 * Visits' own accruals still pace each receiver and split the rate between them; the meter only
 * bounds their sum:
 *
 *   Σ over the tab's visits, ended or open, of what each may have sent  ≤  rate × looked-at time + lead
 */
import { Accrual, HOUR_MS, LEAD_MS } from './accrual.ts'

/**
 * How much unused allowance a tab may bank, in ms of its rate. Time a tab was looked at but nothing
 * was paid (a receiver failing, connecting) is written off beyond this, so a page cannot save it up
 * and spend it at once on receivers it swaps in later: money leaves about when its second is looked at.
 */
export const BANK_MS = 3000n

/** What the meter needs of a visit: what it may have sent, and whether its time is accruing. */
export interface MeterMember {
  /** What this visit's connections were given, or it counts as possibly sent: what may have left. */
  readonly exposed: bigint
  /** Someone is looking and no limit is reached: the visit's own accrual runs. */
  readonly accruing: boolean
}

export class TabMeter {
  private readonly accrual = new Accrual()
  private readonly members = new Set<MeterMember>()
  /** What visits that have ended may have sent (their `exposed` when they left the meter). */
  private ended = 0n

  /**
   * `lead` is false for a tab a restarted worker found visits of: that tab already had its leading
   * second before the restart, and the meter of a dead worker is gone, so its successor starts with
   * no lead and an empty count (its restored visits are paced by their own records).
   */
  constructor(private readonly lead = true) {}

  /**
   * `counted`: a restored visit, whose earlier money belongs to the dead worker's meter, not to this
   * one; `credit` is what its own record says it is still owed (see Visit.restoredCredit).
   */
  join(member: MeterMember, now: number, counted = false, credit = 0n): void {
    if (this.members.has(member)) return
    if (counted) this.ended -= member.exposed + credit
    this.members.add(member)
    this.sync(now)
  }

  /** The visit ended: what it may have sent stays counted against the tab. */
  leave(member: MeterMember, now: number): void {
    if (!this.members.delete(member)) return
    this.ended += member.exposed
    this.sync(now)
  }

  get empty(): boolean { return this.members.size === 0 }

  /** Call whenever a member's `accruing` may have changed: the tab's time runs while any member's does. */
  sync(now: number): void {
    if ([...this.members].some((m) => m.accruing)) this.accrual.show(now)
    else this.accrual.hide(now)
  }

  /** The tab's full rate (units per hour of the uplink's asset), from `now` on. */
  setRate(ratePerHour: bigint, now: number): void {
    if (this.accrual.rate !== ratePerHour) this.accrual.setRate(ratePerHour, now)
  }

  /** What the tab's visits together may have sent by now, and not one unit more. */
  allowance(now: number): bigint {
    return this.accrual.accrued(now + (this.lead && this.accrual.visible ? LEAD_MS : 0))
  }

  /** How much more any visit of this tab may be allowed now. */
  room(now: number): bigint {
    let consumed = this.ended
    for (const m of this.members) consumed += m.exposed
    const room = this.allowance(now) - consumed
    const bank = ((this.accrual.rate ?? 0n) * BANK_MS) / HOUR_MS
    if (room > bank) {
      this.ended += room - bank
      return bank
    }
    return room > 0n ? room : 0n
  }
}
