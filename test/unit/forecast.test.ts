import { describe, expect, it } from 'vitest'
import { forecast, msIntoDay } from '../../src/shared/forecast.ts'

const monthly = { period: 'monthly' as const, renewDay: 1 }
const weekly = { period: 'weekly' as const, renewDay: 1 } // Mondays
const at = (iso: string): number => Date.parse(iso)

describe('forecast', () => {
  it('no spending this period: no pace, no forecast', () => {
    const f = forecast({ now: at('2026-03-10T12:00:00Z'), timeZone: 'UTC', budget: monthly, amount: 5000n, days: [] })
    expect(f).toEqual({ kind: 'no-spending', period: { start: '2026-03-01', end: '2026-04-01' } })
  })

  it('spending of earlier periods is not this period\'s pace', () => {
    const f = forecast({ now: at('2026-03-10T12:00:00Z'), timeZone: 'UTC', budget: monthly, amount: 5000n, days: [{ day: '2026-02-27', spent: 4000n }] })
    expect(f.kind).toBe('no-spending')
  })

  it('half the budget in the first half of the day of a 31-day month: runs out tomorrow', () => {
    // 12 h elapsed, 2500 of 5000 spent: 5000 reached after 24 h, at midnight: 2026-03-02.
    const f = forecast({ now: at('2026-03-01T12:00:00Z'), timeZone: 'UTC', budget: monthly, amount: 5000n, days: [{ day: '2026-03-01', spent: 2500n }] })
    expect(f).toEqual({ kind: 'runs-out', period: { start: '2026-03-01', end: '2026-04-01' }, day: '2026-03-02' })
  })

  it('the period\'s first day, a little spent: lasts the period', () => {
    const f = forecast({ now: at('2026-03-01T12:00:00Z'), timeZone: 'UTC', budget: monthly, amount: 5000n, days: [{ day: '2026-03-01', spent: 50n }] })
    expect(f.kind).toBe('lasts')
  })

  it('a pace that runs out on a day in the middle of the month', () => {
    // 10 days elapsed (noon of the 10th is 9.5 days in), 1900 spent: 200/day → 5000 after 25 days, on the 26th.
    const days = [{ day: '2026-03-02', spent: 900n }, { day: '2026-03-09', spent: 1000n }]
    const f = forecast({ now: at('2026-03-10T12:00:00Z'), timeZone: 'UTC', budget: monthly, amount: 5000n, days })
    expect(f).toEqual({ kind: 'runs-out', period: { start: '2026-03-01', end: '2026-04-01' }, day: '2026-03-26' })
  })

  it('already exhausted: the day the spending reached the budget', () => {
    const days = [{ day: '2026-03-05', spent: 3000n }, { day: '2026-03-02', spent: 1000n }, { day: '2026-03-07', spent: 1000n }, { day: '2026-03-08', spent: 10n }]
    const f = forecast({ now: at('2026-03-10T12:00:00Z'), timeZone: 'UTC', budget: monthly, amount: 5000n, days })
    expect(f).toEqual({ kind: 'exhausted', period: { start: '2026-03-01', end: '2026-04-01' }, day: '2026-03-07' })
  })

  it('weekly periods: the week\'s pace against the week\'s end', () => {
    // Wednesday 2026-03-11 at noon: 2.5 days into the week of Monday 03-09; 1000 of 2000 spent → runs out after 5 days, on Saturday 03-14.
    const f = forecast({ now: at('2026-03-11T12:00:00Z'), timeZone: 'UTC', budget: weekly, amount: 2000n, days: [{ day: '2026-03-09', spent: 1000n }] })
    expect(f).toEqual({ kind: 'runs-out', period: { start: '2026-03-09', end: '2026-03-16' }, day: '2026-03-14' })
    const slow = forecast({ now: at('2026-03-11T12:00:00Z'), timeZone: 'UTC', budget: weekly, amount: 2000n, days: [{ day: '2026-03-09', spent: 500n }] })
    expect(slow.kind).toBe('lasts')
  })

  it('reads today in the user\'s time zone: 23:30 UTC on 31 March is 1 April in Auckland (a new period)', () => {
    const now = at('2026-03-31T23:30:00Z')
    const days = [{ day: '2026-03-31', spent: 4900n }, { day: '2026-04-01', spent: 10n }]
    const utc = forecast({ now, timeZone: 'UTC', budget: monthly, amount: 5000n, days })
    expect(utc.period.start).toBe('2026-03-01')
    const auckland = forecast({ now, timeZone: 'Pacific/Auckland', budget: monthly, amount: 5000n, days })
    expect(auckland.period).toEqual({ start: '2026-04-01', end: '2026-05-01' })
    // 12:30 into the day in Auckland (NZDT, +13): 10 units in 12.5 h is far from 5000 in a month.
    expect(auckland.kind).toBe('lasts')
    expect(msIntoDay(now, 'Pacific/Auckland')).toBe(12.5 * 3_600_000)
    // And in Los Angeles it is still the 31st, 16:30.
    expect(msIntoDay(now, 'America/Los_Angeles')).toBe(16.5 * 3_600_000)
  })

  it('a budget of zero is exhausted at once', () => {
    const f = forecast({ now: at('2026-03-10T12:00:00Z'), timeZone: 'UTC', budget: monthly, amount: 0n, days: [] })
    expect(f).toEqual({ kind: 'exhausted', period: { start: '2026-03-01', end: '2026-04-01' }, day: '2026-03-10' })
  })
})
