// The popup's budget bar: spent, in flight and left from the worker's overview, adding up to the budget.
import { describe, expect, it } from 'vitest'
import type { Overview } from '../../src/shared/messages.ts'
import { budgetBar } from '../../src/popup/budget-bar.ts'
import { daysUntil, exactMoney } from '../../src/popup/local-format.ts'
import { historyPath } from '../../src/popup/links.ts'

const USD = { code: 'USD', scale: 9 }
const usd = (value: bigint) => ({ value: value.toString(), ...USD })
const period = { start: '2026-12-01', end: '2027-01-01', kind: 'monthly' as const }

/** The overview's budget as ui-api.ts builds it: remaining = budget − spent − held, never below zero. */
function overviewBudget(budget: bigint, spent: bigint, held: bigint): Overview['budget'] {
  const used = spent + held
  return { period, amount: usd(budget), spent: usd(spent), held: usd(held), remaining: usd(budget > used ? budget - used : 0n) }
}

describe('the budget bar', () => {
  it('shows spent, in flight and left adding up to the budget, each as its share of the bar', () => {
    const bar = budgetBar(overviewBudget(5_000_000_000n, 1_000_000_000n, 250_000_000n))
    expect(bar).not.toBeNull()
    if (bar === null) return
    expect(bar.spent.value + bar.held.value + bar.left.value).toBe(bar.budget.value)
    expect(bar.left.value).toBe(3_750_000_000n)
    expect(bar.widths).toEqual({ spent: 200, held: 50, left: 750 })
    expect(bar.over.value).toBe(0n)
    expect(bar.exhausted).toBe(false)
  })

  it('shows nothing while the budget is not known yet (no uplink asset)', () => {
    expect(budgetBar({ period, amount: null, spent: null, held: null, remaining: null })).toBeNull()
    expect(budgetBar({ ...overviewBudget(5n, 0n, 0n), amount: null, remaining: null })).toBeNull()
  })

  it('refuses figures in different assets rather than add them', () => {
    expect(budgetBar({ ...overviewBudget(100n, 10n, 0n), held: { value: '0', code: 'EUR', scale: 9 } })).toBeNull()
  })

  it('money in flight larger than what is left: both shown, the sum still the budget', () => {
    const bar = budgetBar(overviewBudget(1000n, 100n, 600n))
    expect(bar?.left.value).toBe(300n)
    expect(bar?.widths).toEqual({ spent: 100, held: 600, left: 300 })
    expect(bar?.exhausted).toBe(false)
  })

  it('an exhausted budget is a full bar with nothing left, and says so', () => {
    const bar = budgetBar(overviewBudget(1000n, 997n, 3n))
    expect(bar?.left.value).toBe(0n)
    expect(bar?.widths).toEqual({ spent: 997, held: 3, left: 0 })
    expect(bar?.exhausted).toBe(true)
    expect(bar?.over.value).toBe(0n)
  })

  it('spending beyond a lowered budget is shown as over, not hidden', () => {
    const bar = budgetBar(overviewBudget(1000n, 1200n, 300n))
    expect(bar?.left.value).toBe(0n)
    expect(bar?.over.value).toBe(500n)
    expect(bar?.widths).toEqual({ spent: 800, held: 200, left: 0 })
    expect(bar?.exhausted).toBe(true)
  })

  it('a zero budget with nothing spent is an empty, exhausted bar', () => {
    const bar = budgetBar(overviewBudget(0n, 0n, 0n))
    expect(bar?.widths).toEqual({ spent: 0, held: 0, left: 0 })
    expect(bar?.exhausted).toBe(true)
  })

  it('rounds on integers, so the three widths always fill the bar', () => {
    const bar = budgetBar(overviewBudget(3n, 1n, 1n))
    expect(bar?.widths).toEqual({ spent: 333, held: 333, left: 334 })
  })
})

describe('the popup\'s exact amounts and links', () => {
  it('shows the legend\'s amounts to their last unit, so they add up as shown', () => {
    expect(exactMoney({ value: 12_345_678n, ...USD })).toBe('$0.012345678')
    expect(exactMoney({ value: 4_987_654_322n, ...USD })).toBe('$4.987654322')
    expect(exactMoney({ value: 5_000_000_000n, ...USD })).toBe('$5.00')
    expect(exactMoney({ value: 1500n, code: 'USDC', scale: 3 })).toBe('1.50 USDC')
  })

  it('counts calendar days to the renewal', () => {
    expect(daysUntil('2027-01-01', new Date(2026, 11, 20, 23, 59))).toBe(12)
    expect(daysUntil('2026-12-21', new Date(2026, 11, 20, 0, 1))).toBe(1)
  })

  it('links to one site\'s history with its origin encoded', () => {
    expect(historyPath('http://localhost:8080')).toBe('/src/history/index.html?site=http%3A%2F%2Flocalhost%3A8080')
    expect(historyPath(null)).toBe('/src/history/index.html')
  })
})
