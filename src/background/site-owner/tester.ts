/**
 * The pointer tester inside the worker: checkPointer with the user's own uplink for the STREAM and
 * payment steps. The test payment is real money: it passes the budget like any other (never past
 * it), is held while in flight, and lands in the ledger under the pseudo-site `trickle:tester`.
 */
import { parseDecimal, type Asset } from '../../shared/money.ts'
import type { Settings } from '../../shared/settings.ts'
import type { Budget } from '../ledger/budget.ts'
import type { Ledger } from '../ledger/ledger.ts'
import type { CheckReport } from '../../shared/check-report.ts'
import { checkPointer, type CheckDeps } from './pointer-check.ts'
import { PaymentBook } from '../ledger/payment-book.ts'
import { sendTestPayment } from './test-payment.ts'
import { t } from '../../shared/i18n.ts'
import type { Uplink } from '../payment/uplink.ts'

/** Where test payments appear in the ledger and count against caps. */
export const TESTER_SITE = 'trickle:tester'

export interface TesterDeps {
  uplink: Pick<Uplink, 'configured' | 'connectPlugin' | 'reportConnected'>
  budget: Pick<Budget, 'room' | 'hold' | 'release' | 'charge'>
  ledger: Pick<Ledger, 'record'>
  settings(): Settings
  fetch: typeof fetch
  redirectTarget?: CheckDeps['redirectTarget']
  now: () => number
}

/** One second at the configured rate, in units of `asset` (the default test amount). */
export function oneSecond(settings: Settings, asset: Asset): bigint | null {
  const perHour = parseDecimal(settings.ratePerHour, asset.scale)
  return perHour === null ? null : perHour / 3600n
}

export function createTester(deps: TesterDeps) {
  const book = new PaymentBook(deps.budget, deps.ledger)
  const base: CheckDeps = { fetch: deps.fetch, now: deps.now, ...(deps.redirectTarget === undefined ? {} : { redirectTarget: deps.redirectTarget }) }
  return async (input: string, pay: boolean, amount: string | null): Promise<CheckReport> => {
    if (!pay) return checkPointer(input, { ...base, skipReason: t('tester_skippedNoPayment') })
    if (!deps.uplink.configured) {
      return checkPointer(input, { ...base, skipReason: t('tester_skippedNoUplink') })
    }
    return checkPointer(input, {
      ...base,
      pay: async (answer, onConnected) => {
        let plugin
        try {
          plugin = await deps.uplink.connectPlugin()
        } catch (e) {
          return { ok: false, error: { stage: 'stream', message: t('tester_uplinkUnavailable', e instanceof Error ? e.message : String(e)) } }
        }
        let wanted = 0n
        let confirmed = 0n
        let asset: Asset | null = null
        const hold = { site: TESTER_SITE, get outstanding() { return wanted - confirmed } }
        try {
          const result = await sendTestPayment({
            plugin,
            answer,
            onConnected,
            amount: (source) => {
              const units = amount === null ? oneSecond(deps.settings(), source) : parseDecimal(amount, source.scale)
              if (units === null || units <= 0n) return t('tester_amountZero')
              if (units > deps.budget.room(TESTER_SITE).room) {
                return t('tester_overBudget')
              }
              // Held before it may leave, like any allowance.
              asset = source
              wanted = units
              deps.budget.hold(hold)
              return units
            },
            onFulfilled: (source, delivered, sourceAsset, destination) => {
              const at = deps.now()
              confirmed += source
              void book.book(`tester ${answer.finalUrl}`, {
                at, site: TESTER_SITE, receiver: answer.finalUrl, source: sourceAsset, destination, sent: source, delivered, unconfirmed: 0n, ms: 0, packets: 1,
              }, null).catch(() => undefined) // kept by the book for the next test of this receiver
            },
          })
          // Money that may have left without a confirmation stays charged, and is written down.
          const maybeLeft = result.ok ? 0n : result.error.maybeLeft ?? 0n
          if (maybeLeft > 0n && asset !== null) {
            const at = deps.now()
            void book.book(`tester ${answer.finalUrl}`, {
              at, site: TESTER_SITE, receiver: answer.finalUrl, source: asset, destination: null, sent: 0n, delivered: 0n, unconfirmed: maybeLeft, ms: 0, packets: 0,
            }, null).catch(() => undefined)
          }
          return result
        } finally {
          deps.budget.release(hold)
          await plugin.disconnect().catch(() => undefined)
        }
      },
    })
  }
}
