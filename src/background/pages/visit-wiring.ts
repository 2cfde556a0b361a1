/**
 * What one visit is given to work with, built from the tab it belongs to: the site's own rate, the
 * tab's meter and lookup limiter, the budget's room, the payment book, the page's rules for redirects,
 * and, for a simulated site, a network, budget and ledger that move nothing.
 */
import { t } from '../../shared/i18n.ts'
import { allowedByPolicies } from '../../shared/csp.ts'
import { reachRefusal } from '../../shared/address-space.ts'
import { parseDecimal, type Asset } from '../../shared/money.ts'
import { err } from '../../shared/result.ts'
import type { Settings } from '../../shared/settings.ts'
import type { Budget, Limit } from '../ledger/budget.ts'
import { visitKey } from '../ledger/ledger.ts'
import type { PaymentBook } from '../ledger/payment-book.ts'
import type { VisitRecord } from '../ledger/visit-record.ts'
import type { LookupLimiter } from '../payment/lookup-limiter.ts'
import { SIMULATED_ASSET, SimulatedPayer, simulatedNetwork } from '../payment/simulated-payer.ts'
import type { TabMeter } from '../payment/tab-meter.ts'
import { UNLIMITED_ROOM, type VisitDeps, type VisitEvent, type VisitNetwork } from '../payment/visit-deps.ts'
import { policiesOf, type FrameEntry } from './tag-choice.ts'

export interface WiringContext {
  base: VisitNetwork
  settings(): Settings
  budget: Budget
  saveVisit(record: VisitRecord): Promise<void>
  book: PaymentBook
  meter: TabMeter
  lookups: LookupLimiter
  /** Receivers' units learnt on earlier visits (bounded). */
  quanta: Map<string, bigint>
  /** A frame's URL and its tab's top document's (the least private decides what may be reached). */
  pageUrls(frameUrl: string): string[]
  /** An event of the visit paying page `visitId` (dropped unless the tab is paying that visit now). */
  emit(e: VisitEvent, visitId: string): void
  /** A visit's phase changed (what the popup and the toolbar show). */
  phaseChanged(): void
}

/** Why a receiver's redirect must not be followed for this page: the same rules as its tag. */
export function hopRefusal(url: string, csp: readonly string[], pageUrl: string, pageUrls: readonly string[]): string | null {
  const reach = reachRefusal(url, pageUrls)
  if (reach !== null) return t('worker_redirectReach', reach)
  return allowedByPolicies(url, csp, pageUrl, true) ? null : t('worker_redirectCsp')
}

/** Why payment stopped at a limit, in words, with when the period renews. */
export function limitReason(limit: Limit, renewsOn: string): string {
  return limit === 'cap' ? t('worker_limitCap', renewsOn) : t('worker_limitBudget', renewsOn)
}

/** The dependencies of one visit, and whether it is simulated (the site's rules say so). */
export function wireVisit(ctx: WiringContext, v: { frame: FrameEntry; site: string }): { deps: VisitDeps; simulated: boolean } {
  const { base, meter, lookups } = ctx
  const { frame, site } = v
  const { pageUrl } = frame
  // The site's own rate, if the user gave it one.
  const ratePerHour = (asset: Asset): bigint | null => {
    const own = ctx.settings().sites[site]?.ratePerHour ?? null
    return own === null ? base.ratePerHour(asset) : parseDecimal(own, asset.scale)
  }
  const permits = (url: string): boolean => allowedByPolicies(url, policiesOf(frame), pageUrl, true)
  const limit = (l: Limit): string => limitReason(l, ctx.budget.period().end)
  const emit = (e: VisitEvent, visitId: string): void => { ctx.emit(e, visitId) }
  if (ctx.settings().sites[site]?.simulate === true) {
    // Simulator mode: the same visit, with no network, no budget, no tab meter and no ledger.
    const asset = (): Asset => base.uplinkAsset() ?? SIMULATED_ASSET
    return {
      simulated: true,
      deps: {
        ...base,
        uplinkConfigured: () => true,
        connectPlugin: async () => simulatedNetwork.plugin(),
        reportUplinkConnected: () => undefined,
        querySpsp: (url) => simulatedNetwork.spsp(url),
        openPayer: async (opts) => new SimulatedPayer(asset(), opts),
        uplinkAsset: () => asset(),
        ratePerHour,
        room: () => ({ room: UNLIMITED_ROOM, limit: 'budget' }),
        tabRoom: () => UNLIMITED_ROOM,
        accrualChanged: () => undefined,
        limitReason: limit,
        permits,
        save: async () => undefined,
        record: async () => undefined,
        learnt: () => undefined,
        knownQuantum: () => null,
        emit,
        phaseChanged: () => { ctx.phaseChanged() },
      },
    }
  }
  return {
    simulated: false,
    deps: {
      ...base,
      ratePerHour,
      querySpsp: async (url, signal) => {
        if (!(await lookups.acquire(url, signal))) return err({ step: 'network', message: t('worker_cancelled'), retryable: true })
        return base.querySpsp(url, signal, (hop) => hopRefusal(hop, policiesOf(frame), pageUrl, ctx.pageUrls(pageUrl)))
      },
      room: () => ctx.budget.room(site),
      tabRoom: (paidIn) => {
        const now = base.now()
        const asset = paidIn ?? base.uplinkAsset()
        const rate = asset === null ? null : ratePerHour(asset)
        if (rate === null) return 0n
        meter.setRate(rate, now)
        return meter.room(now)
      },
      accrualChanged: () => { meter.sync(base.now()) },
      limitReason: limit,
      permits,
      save: (record) => ctx.saveVisit(record),
      // Booked in the same tick as the visit's hold shrank (its `sent` or `uncertain` grew just before
      // this call); a lost reply later confirmed moves from unconfirmed to sent, net zero.
      record: (record, entry) => ctx.book.book(visitKey(record), entry, record),
      learnt: (url, q) => {
        if (ctx.quanta.size >= 500 && !ctx.quanta.has(url)) ctx.quanta.clear()
        ctx.quanta.set(url, q)
      },
      knownQuantum: (url) => ctx.quanta.get(url) ?? null,
      emit,
      phaseChanged: () => { ctx.phaseChanged() },
    },
  }
}
