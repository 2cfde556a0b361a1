import { describe, expect, it } from 'vitest'
import { dayKey, periodOf } from '../../src/shared/period.ts'

describe('local days', () => {
  const instant = Date.UTC(2026, 10, 22, 23, 30) // 2026-11-22 23:30 UTC
  it.each([
    ['UTC', '2026-11-22'],
    ['Pacific/Auckland', '2026-11-23'], // UTC+13 in November
    ['America/Los_Angeles', '2026-11-22'],
    ['Asia/Kolkata', '2026-11-23'],
  ])('an instant falls on the local day in %s', (tz, day) => {
    expect(dayKey(instant, tz)).toBe(day)
  })

  it('a day survives a daylight-saving change (Europe/Berlin, 2026-10-25 has 25 hours)', () => {
    expect(dayKey(Date.UTC(2026, 9, 24, 22, 30), 'Europe/Berlin')).toBe('2026-10-25') // 00:30 CEST
    expect(dayKey(Date.UTC(2026, 9, 25, 22, 30), 'Europe/Berlin')).toBe('2026-10-25') // 23:30 CET
    expect(dayKey(Date.UTC(2026, 9, 25, 23, 0), 'Europe/Berlin')).toBe('2026-10-26')
  })
})

describe('budget periods', () => {
  it.each([
    ['2026-11-22', 1, { start: '2026-11-01', end: '2026-12-01' }],
    ['2026-11-01', 1, { start: '2026-11-01', end: '2026-12-01' }],
    ['2026-10-31', 1, { start: '2026-10-01', end: '2026-11-01' }],
    ['2026-11-14', 15, { start: '2026-10-15', end: '2026-11-15' }],
    ['2026-11-15', 15, { start: '2026-11-15', end: '2026-12-15' }],
    ['2026-12-20', 15, { start: '2026-12-15', end: '2027-01-15' }],
    ['2026-01-10', 15, { start: '2025-12-15', end: '2026-01-15' }],
    // The 31st renews on the last day of shorter months.
    ['2027-02-28', 31, { start: '2027-02-28', end: '2027-03-31' }],
    ['2027-02-27', 31, { start: '2027-01-31', end: '2027-02-28' }],
    ['2028-02-29', 30, { start: '2028-02-29', end: '2028-03-30' }],
  ])('monthly: %s with renewal day %i', (day, renewDay, period) => {
    expect(periodOf(day, { period: 'monthly', renewDay })).toEqual(period)
  })

  it.each([
    ['2026-11-22', 1, { start: '2026-11-16', end: '2026-11-23' }], // a Sunday; weeks from Monday
    ['2026-11-23', 1, { start: '2026-11-23', end: '2026-11-30' }],
    ['2026-11-22', 0, { start: '2026-11-22', end: '2026-11-29' }],
    ['2027-01-01', 6, { start: '2026-12-26', end: '2027-01-02' }],
  ])('weekly: %s renewing on weekday %i', (day, renewDay, period) => {
    expect(periodOf(day, { period: 'weekly', renewDay })).toEqual(period)
  })

  it('every day of three years lies in exactly one period, and periods tile', () => {
    for (const budget of [{ period: 'monthly', renewDay: 31 }, { period: 'monthly', renewDay: 1 }, { period: 'weekly', renewDay: 3 }] as const) {
      let previous = periodOf('2026-01-01', budget)
      for (let t = Date.UTC(2026, 0, 2); t < Date.UTC(2029, 0, 1); t += 86_400_000) {
        const day = new Date(t).toISOString().slice(0, 10)
        const p = periodOf(day, budget)
        expect(day >= p.start && day < p.end).toBe(true)
        if (p.start !== previous.start) expect(p.start).toBe(previous.end)
        previous = p
      }
    }
  })
})
