// The randomized fault run, short: a fixed seed per run (printed, and in every failure) so a failure
// can be replayed with `npm run soak -- --seed N`. `npm run soak` runs it longer.
import { describe, expect, it } from 'vitest'
import { runSoak } from './soak.ts'

const seed = Number(process.env.TRICKLE_SOAK_SEED ?? Date.now() % 1_000_000)

describe('a randomized fault run', () => {
  it(`keeps the ledger equal to the receivers, the rate and the budget bound, with no packet storm (seed ${seed})`, async () => {
    const report = await runSoak({ seconds: 45, seed })
    expect(report.failures, `seed ${seed}`).toEqual([])
    expect(report.received, `seed ${seed}: something must have been paid`).toBeGreaterThan(0n)
    expect(Object.values(report.actions).reduce((a, b) => a + b, 0), `seed ${seed}`).toBeGreaterThan(10)
  }, 180_000)
})
