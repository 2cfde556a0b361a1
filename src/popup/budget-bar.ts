/**
 * The popup's budget bar, from the worker's overview (src/background/messaging/ui-api.ts, whose
 * figures come from ledger/budget.ts):
 *
 * - `spent`: this period's spending in the ledger (confirmed plus unconfirmed). It does **not**
 *   include money in flight.
 * - `held`: what open visits have authorised and not yet seen confirmed (money in flight), counted
 *   against the budget on top of `spent`.
 * - `remaining`: `budget − spent − held`, never below zero.
 *
 * So spent + held + left is the budget exactly, except when spending already exceeds it (the user
 * lowered the budget mid-period): then left is zero and the excess is shown as `over`, never hidden.
 * Widths are parts per thousand of the larger of the budget and spent + held, on integers.
 */
import type { Overview } from '../shared/messages.ts'
import { fromJson, sameAsset, type Amount } from '../shared/money.ts'

export interface BudgetBar {
  budget: Amount
  spent: Amount
  held: Amount
  left: Amount
  /** Spent + held beyond the budget (zero when within it). */
  over: Amount
  /** Parts per thousand of the bar each segment takes; they sum to 1000, or to 0 for an empty budget with nothing spent. */
  widths: { spent: number; held: number; left: number }
  /** Nothing more can be paid this period. */
  exhausted: boolean
}

/** Integer parts per thousand of `part` in `whole` (whole > 0). */
const permille = (part: bigint, whole: bigint): number => Number((part * 1000n) / whole)

/** The bar, or null while the budget is not known (no uplink asset yet) or its figures disagree in asset. */
export function budgetBar(b: Overview['budget']): BudgetBar | null {
  if (b.amount === null || b.spent === null || b.held === null || b.remaining === null) return null
  const budget = fromJson(b.amount)
  const spent = fromJson(b.spent)
  const held = fromJson(b.held)
  const left = fromJson(b.remaining)
  if (![spent, held, left].every((a) => sameAsset(a, budget))) return null
  const used = spent.value + held.value
  const overValue = used + left.value > budget.value ? used + left.value - budget.value : 0n
  const over: Amount = { ...budget, value: overValue }
  const whole = used + left.value
  let widths = { spent: 0, held: 0, left: 0 }
  if (whole > 0n) {
    const s = permille(spent.value, whole)
    const h = permille(held.value, whole)
    // Left takes the rounding remainder when there is something left; else spent does, so a full bar is full.
    widths = left.value > 0n ? { spent: s, held: h, left: 1000 - s - h } : { spent: 1000 - h, held: h, left: 0 }
  }
  return { budget, spent, held, left, over, widths, exhausted: left.value === 0n }
}
