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
  /**
   * Spending (sent + unconfirmed) by asset, day and site: the ledger's rows of the lookback, once read,
   * and every charge since the worker started.
   */
  private readonly spent = new Map<string, Map<DayKey, Map<string, bigint>>>()
  /** The same by asset and day over all sites, kept as it is added to (no walk over the sites). */
  private readonly siteSums = new Map<string, Map<DayKey, bigint>>()
  /** Each day's total over all sites from the ledger's own day totals (its `totals` store), and charges since. */
  private readonly dayTotals = new Map<string, Map<DayKey, bigint>>()
  /** Whether the rows of every site are in `spent` (until then, a site with a cap is given nothing). */
  private sitesLoaded = false
  private readonly holders = new Set<Holder>()

  constructor(private readonly deps: BudgetDeps) {}

  /** Adds the ledger's rows (at start: the last LOOKBACK_DAYS days); every site's spending is then known. */
  load(rows: readonly LedgerRow[]): void {
    for (const r of rows) this.addSite(r.source, r.day, r.site, BigInt(r.sent) + BigInt(r.unconfirmed))
    this.sitesLoaded = true
  }

  /**
   * Adds the ledger's day totals over all sites (a few rows, read first at start): enough for the
   * budget's own limit, so payments may start before every site's rows are read. Where both are known,
   * a day counts the larger of the two, so a damaged or stale total can only make the budget stricter.
   */
  loadTotals(totals: readonly LedgerRow[]): void {
    for (const r of totals) addTo(this.dayTotals, r.source, r.day, BigInt(r.sent) + BigInt(r.unconfirmed))
  }

  /** Whether every site's spending is known (the rows were read): caps can be checked. */
  get sitesKnown(): boolean { return this.sitesLoaded }

  private addSite(asset: Asset, day: DayKey, site: string, amount: bigint): void {
    if (amount === 0n) return
    const key = assetKey(asset)
    const days = this.spent.get(key) ?? new Map<DayKey, Map<string, bigint>>()
    this.spent.set(key, days)
    const sites = days.get(day) ?? new Map<string, bigint>()
    days.set(day, sites)
    sites.set(site, (sites.get(site) ?? 0n) + amount)
    addTo(this.siteSums, asset, day, amount)
  }

  /** Money confirmed or settled as unconfirmed: call in the same tick as the hold shrinks. */
  charge(site: string, amount: bigint, asset: Asset, at: number): void {
    const day = this.deps.dayOf(at)
    this.addSite(asset, day, site, amount)
    addTo(this.dayTotals, asset, day, amount)
  }

  hold(h: Holder): void { this.holders.add(h) }
  release(h: Holder): void { this.holders.delete(h) }

  period(): Period {
    return periodOf(this.deps.dayOf(this.deps.now()), this.deps.settings().budget)
  }

  /** Spent in the current period, per site (only sites paid since start, until their rows are read). */
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
    const asset = this.deps.asset()
    if (asset === null) return 0n
    const key = assetKey(asset)
    const { start, end } = this.period()
    let total = 0n
    if (site !== undefined) {
      for (const [day, sites] of this.spent.get(key) ?? []) if (day >= start && day < end) total += sites.get(site) ?? 0n
      return total
    }
    const sums = this.siteSums.get(key)
    const totals = this.dayTotals.get(key)
    const days = new Set([...(sums?.keys() ?? []), ...(totals?.keys() ?? [])])
    for (const day of days) {
      if (day < start || day >= end) continue
      const a = sums?.get(day) ?? 0n
      const b = totals?.get(day) ?? 0n
      total += a > b ? a : b
    }
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
    // A site's spending is known once its rows are read (a moment after start): until then, its cap
    // cannot be checked, so it is given nothing.
    if (capText !== null && !this.sitesLoaded) return { room: 0n, limit: 'cap' }
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

function addTo(into: Map<string, Map<DayKey, bigint>>, asset: Asset, day: DayKey, amount: bigint): void {
  if (amount === 0n) return
  const key = assetKey(asset)
  const days = into.get(key) ?? new Map<DayKey, bigint>()
  into.set(key, days)
  days.set(day, (days.get(day) ?? 0n) + amount)
}
