/**
 * A visit's pacing: how much its connection may be given, and when. At most one raise a second
 * (spaced from the last fulfil), in whole receiver units, within the budget, the site's cap and the
 * tab's meter, and never beyond what a completed storage write has recorded (visit-money.ts).
 */
import { t } from '../../shared/i18n.ts'
import { errorMessage } from '../../shared/result.ts'
import type { Limit } from '../ledger/budget.ts'
import { HOUR_MS, LEAD_MS, type Accrual } from './accrual.ts'
import type { VisitNetwork, VisitPolicy } from './visit-deps.ts'
import type { Slot, VisitMoney } from './visit-money.ts'

/** One packet per second per receiver, at most (measured from the previous fulfil). */
export const RAISE_INTERVAL_MS = 1000
/** While a chunk is still in flight, look again this often. */
const PENDING_RECHECK_MS = 100
/** How far ahead the first chunk is pre-authorised, to cover the time SPSP and connecting take. */
const PREAUTHORIZE_MS = 1500
/** How long a connection may sit with money pending after a final reject, or with the receiver at its receive limit, before that is a refusal. */
const STALLED_REFUSAL_MS = 2000

/** What the pacer is told of, and asks, its visit. */
export interface PacerHost {
  /** Someone is looking at the page. */
  readonly looking: boolean
  readonly stopped: boolean
  /** The visit's open connection, if any. */
  readonly slot: Slot | null
  /** The rules and clock of the moment (a reload gives the visit new ones). */
  readonly deps: VisitPolicy & Pick<VisitNetwork, 'now'>
  limitReached(limit: Limit): void
  refused(slot: Slot, reason: string): void
  writeFailed(reason: string): void
  allowed(): void
}

export class Pacer {
  private timer: ReturnType<typeof setTimeout> | undefined
  private raising = false
  private lastRaiseAt = Number.NEGATIVE_INFINITY

  constructor(private readonly accrual: Accrual, private readonly money: VisitMoney, private readonly host: PacerHost) {}

  /**
   * Caps an allowance (a visit total) at what the budget, the site's cap and the tab's meter still
   * allow. Returns the ceiling and, when the budget or cap binds, which limit it is.
   */
  ceiling(): { ceiling: bigint; limit: Limit | null } {
    const budget = this.budgetCeiling()
    const exposed = this.money.exposed(this.host.slot)
    const tab = this.host.deps.tabRoom(this.money.sourceAsset)
    // The tab's meter binding is pacing, not a limit: the next second brings room again.
    if (exposed + tab < budget.ceiling) return { ceiling: exposed + tab, limit: null }
    return budget
  }

  /** The budget's and the site cap's part of the ceiling alone. */
  budgetCeiling(): { ceiling: bigint; limit: Limit } {
    const r = this.host.deps.room()
    return { ceiling: this.money.held + r.room, limit: r.limit }
  }

  /**
   * Records the first chunk (and the time connecting will take) before the connection exists, so the
   * first allowance does not wait for a storage write. Needs the accrual priced (its rate set).
   */
  preauthorize(): void {
    const now = this.host.deps.now()
    const wanted = this.accrual.accrued(now + LEAD_MS + PREAUTHORIZE_MS)
    // Bounded by the tab's meter too (it counts what was given, not what is authorised, so this takes
    // nothing from the tab's other visits): a visit retrying through a long outage must not hold, and
    // at its end charge, the whole outage against the budget.
    // The meter's room plus the connecting time itself, so the first raise finds its amount already
    // on disk (no write on the first payment's path).
    const { ceiling: meterCeiling } = this.ceiling()
    const rate = this.accrual.rate ?? 0n
    const margin = meterCeiling + (rate * BigInt(PREAUTHORIZE_MS)) / HOUR_MS
    const { ceiling: budgetCeiling } = this.budgetCeiling()
    const ceiling = margin < budgetCeiling ? margin : budgetCeiling
    const ahead = wanted < ceiling ? wanted : ceiling
    if (ahead <= this.money.authorized) return
    this.money.authorized = ahead
    // If this write fails, nothing was given on its strength: raise() writes again before giving.
    this.money.persist().catch(() => undefined)
  }

  /** A packet was fulfilled on the open connection: the next raise is a second from now. */
  fulfilled(now: number): void { this.lastRaiseAt = Math.max(this.lastRaiseAt, now) }

  cancel(): void {
    clearTimeout(this.timer)
    this.timer = undefined
  }

  /** Raises the allowance to what visible time has earned (plus the current second), at most once a second. */
  async raise(): Promise<void> {
    const slot = this.host.slot
    this.cancel()
    if (slot === null || !slot.payer.isOpen || !this.host.looking || this.raising || this.host.stopped) return
    const { deps } = this.host
    if (slot.payer.pending > 0n) {
      // A receiver that answered F99, or said it takes no more (its STREAM receive max reached), leaves
      // the library waiting for ever, quietly: after a moment that is a refusal like any other.
      const refusal = slot.payer.refusal ?? null
      if (refusal !== null && deps.now() - this.lastRaiseAt >= STALLED_REFUSAL_MS) {
        this.host.refused(slot, refusal)
        return
      }
      // The last chunk has not settled: never stack allowances on a connection that is not moving money.
      this.schedule(PENDING_RECHECK_MS)
      return
    }
    const now = deps.now()
    const wait = this.lastRaiseAt + RAISE_INTERVAL_MS - now
    if (wait > 0) {
      this.schedule(wait)
      return
    }
    const money = this.money
    // Whole receiver units only; the remainder stays accrued and leaves with a later packet.
    const earned = this.accrual.accrued(now + LEAD_MS)
    let target = earned > slot.given ? slot.given + ((earned - slot.given) / money.quantum) * money.quantum : earned
    // The budget and the site's cap bind before anything else: a partial last chunk is fine.
    const { ceiling, limit } = this.ceiling()
    if (target > ceiling) {
      // The tab's meter paces in whole receiver units too (a sub-unit remainder would be lost at the
      // connector); only a limit's last chunk may be partial.
      target = limit === null && ceiling > slot.given ? slot.given + ((ceiling - slot.given) / money.quantum) * money.quantum : ceiling
    }
    if (target <= slot.given && earned > slot.given && limit !== null && ceiling <= slot.given) {
      this.host.limitReached(limit)
      return
    }
    if (target > slot.given) {
      if (target > money.authorized) money.authorized = target
      slot.claimed = target
      if (target > money.persisted) {
        // Not yet on disk (no pre-authorisation, or it is still being written): write and wait.
        this.raising = true
        try {
          await money.persist()
        } catch (e) {
          money.authorized = money.persisted > slot.given ? money.persisted : slot.given
          slot.claimed = slot.given
          this.raising = false
          this.host.writeFailed(t('worker_writeFailed', errorMessage(e)))
          return
        }
        this.raising = false
      }
      if (this.host.slot !== slot || !slot.payer.isOpen || this.host.stopped) return
      this.lastRaiseAt = now
      slot.given = target
      slot.payer.allow(target - slot.base)
      this.host.allowed()
    }
    if (this.host.looking) this.schedule(RAISE_INTERVAL_MS)
  }

  private schedule(delay: number): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => { void this.raise() }, delay)
  }
}

