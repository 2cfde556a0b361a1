// `npx tsx test/bench/worker-cpu-cli.ts`: the worker's CPU while paying one tab, alone (npm run build
// first; npm run bench runs it with the rest). TRICKLE_BENCH_CPU_SECONDS: each window's length (60).
import { startStack } from '../e2e/stack.ts'
import { workerCpu, workerCpuSection } from './worker-cpu.ts'

const seconds = Number(process.env.TRICKLE_BENCH_CPU_SECONDS ?? (process.env.TRICKLE_BENCH_QUICK === '1' ? 15 : 60))
const stack = await startStack()
try {
  console.log(workerCpuSection(await workerCpu(stack, seconds)))
} finally {
  await stack.stop()
}
