// `npm run soak -- [--seconds N] [--seed N]`: the randomized fault run for as long as you like
// (default 300 s); exits 1 if any invariant broke, printing the seed to replay it.
import { parseArgs } from 'node:util'
import { runSoak } from './soak.ts'

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '300' }, seed: { type: 'string' } } })
const seconds = Number(values.seconds)
const seed = values.seed === undefined ? Date.now() % 1_000_000 : Number(values.seed)
if (!Number.isFinite(seconds) || seconds <= 0 || !Number.isInteger(seed)) {
  console.error('usage: npm run soak -- [--seconds N] [--seed N]')
  process.exit(2)
}
const report = await runSoak({ seconds, seed })
process.exit(report.failures.length === 0 ? 0 : 1)
