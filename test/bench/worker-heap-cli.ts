// `npx tsx test/bench/worker-heap-cli.ts`: the worker's heap over cycles of 1, 10 and 50 tabs, alone
// (npm run build first; npm run bench runs it with the rest). TRICKLE_BENCH_HEAP_CYCLES: cycles (20).
import { startStack } from '../e2e/stack.ts'
import { workerHeap, workerHeapSection } from './worker-heap.ts'

const cycles = Number(process.env.TRICKLE_BENCH_HEAP_CYCLES ?? (process.env.TRICKLE_BENCH_QUICK === '1' ? 5 : 20))
const stack = await startStack()
try {
  console.log(workerHeapSection(await workerHeap(stack, cycles)))
} finally {
  await stack.stop()
}
