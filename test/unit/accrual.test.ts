import { describe, expect, it } from 'vitest'
import { Accrual, LEAD_MS } from '../../src/background/payment/accrual.ts'
import { parseDecimal } from '../../src/shared/money.ts'

// The default rate, 0.36 USD per hour, at USD scale 9: 100,000 units a second.
const RATE = parseDecimal('0.36', 9) ?? 0n

/** An accrual at `rate`, visible from t = 0. */
function visibleFromZero(rate = RATE): Accrual {
  const a = new Accrual()
  a.setRate(rate, 0)
  a.show(0)
  return a
}

describe('accrual: visible time × rate, from the wall clock', () => {
  it('prices the default rate at 100,000 units a second at scale 9', () => {
    expect(RATE).toBe(360_000_000n)
    const a = visibleFromZero()
    expect(a.accrued(1000)).toBe(100_000n)
    expect(a.accrued(60_000)).toBe(6_000_000n)
    expect(a.accrued(1)).toBe(100n)
  })

  it('does not depend on how often or how late it is read (no drift)', () => {
    const regular = visibleFromZero()
    const irregular = visibleFromZero()
    for (let t = 0; t <= 60_000; t += 1000) regular.accrued(t)
    for (const t of [1, 1700, 1701, 9_999, 30_000, 59_999]) irregular.accrued(t)
    expect(irregular.accrued(60_000)).toBe(regular.accrued(60_000))
    expect(regular.accrued(60_000)).toBe(6_000_000n)
  })

  it('stops while hidden and resumes where it was', () => {
    const a = visibleFromZero()
    a.hide(2_000)
    expect(a.accrued(10_000)).toBe(200_000n)
    a.show(10_000)
    expect(a.accrued(11_000)).toBe(300_000n)
    expect(a.visibleMs(11_000)).toBe(3_000)
  })

  it('ignores a repeated show (a second "visible" does not restart the clock)', () => {
    const a = visibleFromZero()
    a.show(5_000)
    expect(a.accrued(6_000)).toBe(600_000n)
  })

  it('prices time seen before the asset was known at the first rate', () => {
    const a = new Accrual()
    a.show(0)
    expect(a.accrued(500)).toBe(0n)
    a.setRate(RATE, 500)
    expect(a.accrued(1000)).toBe(100_000n)
  })

  it('folds the old rate when the rate changes mid-visit', () => {
    const a = visibleFromZero()
    a.setRate(RATE * 2n, 10_000)
    expect(a.accrued(11_000)).toBe(1_000_000n + 200_000n)
  })

  it('rounds down, so a rate is never exceeded', () => {
    const a = visibleFromZero(7n) // 7 units an hour
    expect(a.accrued(3_600_000 - 1)).toBe(6n)
    expect(a.accrued(3_600_000)).toBe(7n)
  })

  it('survives a round trip through storage', () => {
    const a = new Accrual()
    a.setRate(RATE, 0)
    a.show(1_000)
    a.hide(4_000)
    a.show(9_000)
    const b = Accrual.fromJson(JSON.parse(JSON.stringify(a.toJson())) as ReturnType<Accrual['toJson']>)
    expect(b.accrued(10_000)).toBe(a.accrued(10_000))
    expect(b.accrued(10_000)).toBe(400_000n)
  })

  it('leads by one second: the allowance at t covers the second that starts at t', () => {
    const a = visibleFromZero()
    expect(a.accrued(0 + LEAD_MS)).toBe(100_000n)
  })
})
