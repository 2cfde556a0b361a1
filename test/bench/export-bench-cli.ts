// `npx tsx test/bench/export-bench-cli.ts`: the ledger export over the big ledger, alone (npm run build
// first; npm run bench runs it with the rest, over the ledger its render bench seeds). The ledger is
// seeded as the render bench seeds it (TRICKLE_BENCH_SITES × TRICKLE_BENCH_DAYS, 1,000 × 365).
import { startStack } from '../e2e/stack.ts'
import { exportBench, exportSection } from './export-bench.ts'
import { seedForProfile } from './render.ts'

const stack = await startStack()
try {
  const page = await stack.browser.openExtensionPage('src/options/index.html')
  const rows = await seedForProfile(page)
  await page.close()
  // The worker starts over the big ledger, as run.ts's does after its render bench, and the budget
  // leaves room (the seeded year spent far more than the default).
  await stack.browser.killWorker()
  await stack.browser.worker()
  await stack.configure({ budget: '1000000000' })
  console.log(exportSection(await exportBench(stack, rows)))
} finally {
  await stack.stop()
}
