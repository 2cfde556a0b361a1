// `npx tsx test/bench/content-cost-cli.ts`: the content-script cost benchmark alone (npm run bench runs it with the rest).
import { launchWithExtension } from '../sandbox/browser.ts'
import { contentCost, contentCostSection, floorExtension, REFERENCE_ARGS } from './content-cost.ts'

const loads = Number(process.env.TRICKLE_BENCH_LOADS ?? 6)
const browser = await launchWithExtension({ args: REFERENCE_ARGS, alsoLoad: [floorExtension()] })
try {
  console.log(contentCostSection(await contentCost(browser.context, loads)))
} finally {
  await browser.close()
}
