/**
 * The budget: how much more may be authorised, right now, for a site. It is the rule every allowance
 * passes before money can leave (Pacer.raise), so it holds these two sums to their limits at all times:
 *
 *   spent in this period (confirmed + unconfirmed, from the ledger)
 *   + what every open visit has authorised but not yet seen confirmed (its hold)
 *   ≤ the budget, and the same per site against the site's cap.
 *
 * Holds count money in flight, every tab at once, and visits restored after a worker restart. A hold
 * turns into spending in the same tick as the fulfil that confirms it, so the sum never dips.
 * Amounts are in the uplink's asset; rows in any other asset belong to an earlier uplink and do not
 * count against it. Spending is kept per asset, so the budget is right from the moment the uplink's
 * asset becomes known.
 */
import { parseDecimal, type Asset } from '../../shared/money.ts'
import { periodOf, type DayKey, type Period } from '../../shared/period.ts'
import type { Settings } from '../../shared/settings.ts'
import type { LedgerRow } from './ledger-rows.ts'

export interface Holder { readonly site: string; readonly outstanding: bigint }

export interface BudgetDeps {
  settings(): Settings
  /** The uplink's asset, once known: nothing may be authorised before. */
  asset(): Asset | null
  now(): number
  dayOf(at: number): DayKey
}

export type Limit = 'budget' | 'cap'

export interface BudgetView {
  period: Period
  asset: Asset | null
  /** null when the asset is not known yet. */
  budget: bigint | null
  spent: bigint
  held: bigint
}

/** How many days back the ledger is read at start: every period (a month at most) began within them. */
export const LOOKBACK_DAYS = 32

const assetKey = (a: Asset): string => `${a.code}/${a.scale}`

export class Budget {
  /** Spending (sent + unconfirmed) by asset, day and site. */
  private readonly spent = new Map<string, Map<DayKey, Map<string, bigint>>>()
  private readonly holders = new Set<Holder>()

  constructor(private readonly deps: BudgetDeps) {}

  /** Adds the ledger's rows (at start: the last LOOKBACK_DAYS days). */
  load(rows: readonly LedgerRow[]): void {
    for (const r of rows) this.add(r.source, r.day, r.site, BigInt(r.sent) + BigInt(r.unconfirmed))
  }

  private add(asset: Asset, day: DayKey, site: string, amount: bigint): void {
    if (amount === 0n) return
    const key = assetKey(asset)
    const days = this.spent.get(key) ?? new Map<DayKey, Map<string, bigint>>()
    this.spent.set(key, days)
    const sites = days.get(day) ?? new Map<string, bigint>()
    days.set(day, sites)
    sites.set(site, (sites.get(site) ?? 0n) + amount)
  }

  /** Money confirmed or settled as unconfirmed: call in the same tick as the hold shrinks. */
  charge(site: string, amount: bigint, asset: Asset, at: number): void {
    this.add(asset, this.deps.dayOf(at), site, amount)
  }

  hold(h: Holder): void { this.holders.add(h) }
  release(h: Holder): void { this.holders.delete(h) }

  period(): Period {
    return periodOf(this.deps.dayOf(this.deps.now()), this.deps.settings().budget)
  }

  /** Spent in the current period, per site. */
  spentBySite(): Map<string, bigint> {
    const bySite = new Map<string, bigint>()
    const asset = this.deps.asset()
    if (asset === null) return bySite
    const { start, end } = this.period()
    for (const [day, sites] of this.spent.get(assetKey(asset)) ?? []) {
      if (day < start || day >= end) continue
      for (const [site, v] of sites) bySite.set(site, (bySite.get(site) ?? 0n) + v)
    }
    return bySite
  }

  /** Spent in the current period, in total and for one site. */
  spentNow(site?: string): bigint {
    const bySite = this.spentBySite()
    if (site !== undefined) return bySite.get(site) ?? 0n
    let total = 0n
    for (const v of bySite.values()) total += v
    return total
  }

  heldNow(site?: string): bigint {
    let total = 0n
    for (const h of this.holders) if (site === undefined || h.site === site) total += h.outstanding
    return total
  }

  /** How much more may be authorised for `site` now, and which limit is the tighter one. */
  room(site: string): { room: bigint; limit: Limit } {
    const asset = this.deps.asset()
    if (asset === null) return { room: 0n, limit: 'budget' }
    const settings = this.deps.settings()
    const budget = parseDecimal(settings.budget.amount, asset.scale) ?? 0n
    const global = budget - this.spentNow() - this.heldNow()
    const capText = settings.sites[site]?.cap ?? null
    if (capText !== null) {
      const cap = parseDecimal(capText, asset.scale) ?? 0n
      const forSite = cap - this.spentNow(site) - this.heldNow(site)
      if (forSite < global) return { room: forSite > 0n ? forSite : 0n, limit: 'cap' }
    }
    return { room: global > 0n ? global : 0n, limit: 'budget' }
  }

  view(): BudgetView {
    const asset = this.deps.asset()
    return {
      period: this.period(),
      asset,
      budget: asset === null ? null : parseDecimal(this.deps.settings().budget.amount, asset.scale),
      spent: this.spentNow(),
      held: this.heldNow(),
    }
  }
}
