// `npx tsx test/bench/render-cli.ts`: the render benchmark alone (npm run bench runs it with the rest).
import { startStack } from '../e2e/stack.ts'
import { renderBench, renderSection } from './render.ts'

const loads = Number(process.env.TRICKLE_BENCH_LOADS ?? 5)
const stack = await startStack()
try {
  console.log(renderSection(await renderBench(stack.browser, loads), loads))
} finally {
  await stack.stop()
}
