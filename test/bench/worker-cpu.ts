/**
 * The worker's CPU while it pays one visible tab, beside the same time with no monetized tab open.
 *
 * Chromium runs an extension's service worker in the extension's renderer process (the renderer whose
 * command line has `--extension-process`). Its user + system CPU time is read from /proc/<pid>/stat
 * before and after each window. That process also holds the extension's own open pages (here the
 * options page the stack keeps open to ask the worker), so the idle window, which has the same pages
 * and the same worker, is the reference to subtract. The process is first checked to be the worker's:
 * 400 ms of busy work run in the worker (over CDP) must show in it.
 *
 * Why /proc rather than CDP's Profiler: a sampling profiler attached to the worker costs CPU in that
 * very thread and measures only JavaScript; the process's kernel counters see everything the worker
 * costs (JS, GC, Web Crypto, IPC) and cost nothing to read.
 *
 * Windows: idle, paying, idle again (the two idle windows averaged, so that a drift in the machine's
 * load between the start and the end hits both sides alike).
 */
import type { Page } from 'playwright-core'
import type { Stack } from '../e2e/stack.ts'
import { sleep, waitFor } from '../e2e/stack.ts'
import { attachWorker, browserProcesses, Cdp, CLK_TCK, extensionProcess, processCpuMs } from './worker-cdp.ts'

export interface CpuWindow { seconds: number; workerCpuMs: number; browserCpuMs: number; packets: number }
export interface CpuResult {
  pid: number
  calibration: { busyMs: number; seenMs: number; otherMs: number }
  idleA: CpuWindow
  paying: CpuWindow
  idleB: CpuWindow
  restarted: boolean
}

/** CPU so far of each of the browser's processes (from /proc, like the worker's). */
const allCpu = async (cdp: Cdp): Promise<Map<number, number>> => {
  const out = new Map<number, number>()
  for (const p of await browserProcesses(cdp)) {
    try { out.set(p.id, processCpuMs(p.id)) } catch { /* exited meanwhile */ }
  }
  return out
}
/** CPU spent between two readings by the processes present at both. */
const spent = (a: Map<number, number>, b: Map<number, number>): number =>
  [...b].reduce((s, [pid, ms]) => s + (a.has(pid) ? ms - (a.get(pid) ?? 0) : 0), 0)

async function measureWindow(cdp: Cdp, pid: number, seconds: number, packetsIn: (from: number, to: number) => number): Promise<CpuWindow> {
  const t0 = Date.now()
  const c0 = processCpuMs(pid)
  const b0 = await allCpu(cdp)
  await sleep(seconds * 1000)
  const c1 = processCpuMs(pid)
  const b1 = await allCpu(cdp)
  const t1 = Date.now()
  return { seconds: (t1 - t0) / 1000, workerCpuMs: c1 - c0, browserCpuMs: spent(b0, b1), packets: packetsIn(t0, t1) }
}

export async function workerCpu(stack: Stack, seconds: number, name = 'bench-cpu'): Promise<CpuResult> {
  const cdp = await Cdp.connect(stack.browser)
  let page: Page | null = null
  try {
    // The page the stack keeps open to ask the worker is its options page, which reloads what it shows
    // at every change notice (a payment is one): in the worker's process, it would be counted as the
    // worker's. Meanwhile it is the pointer tester, which watches nothing (a user reading has no
    // extension page open); it is the options page again at the end.
    await stack.control.goto(`chrome-extension://${stack.browser.extensionId}/src/tester/index.html`)
    await stack.browser.worker()
    const pid = await extensionProcess(cdp)
    const worker = await attachWorker(cdp, stack.browser.extensionId)
    const marker = await worker.marker()
    // The check: busy work in the worker shows in this process's counters, and in no other process of
    // the browser as much. (A busy loop of 1 s of wall time gets less than 1 s of CPU on a loaded machine.)
    const before = await allCpu(cdp)
    const { result } = await worker.send<{ result: { value: number } }>('Runtime.evaluate', {
      expression: '(() => { const t = performance.now(); while (performance.now() - t < 1000); return performance.now() - t })()', returnByValue: true,
    })
    const after = await allCpu(cdp)
    const delta = (id: number): number => (after.get(id) ?? 0) - (before.get(id) ?? 0)
    const seenMs = delta(pid)
    const other = Math.max(0, ...[...after.keys()].filter((id) => id !== pid && before.has(id)).map(delta))
    if (seenMs < result.value * 0.4 || seenMs <= other) throw new Error(`the worker's busy work (${result.value.toFixed(0)} ms) did not show in process ${pid} (${seenMs} ms; most in another process: ${other} ms)`)
    // The worker session is left attached but idle: an attached DevTools session keeps the worker running.
    await sleep(1000)

    const none = (): number => 0
    const idleA = await measureWindow(cdp, pid, seconds, none)
    const account = stack.net.receiver.account(name)
    page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.pageFor('meta', name))
    await page.bringToFront()
    const paid = page
    await waitFor('the first payment', async () => {
      const s = await stack.status(paid)
      return s.kind === 'monetized' && s.firstPaidAt !== null ? true : undefined
    }, 15_000)
    await sleep(2000) // past the connection's set-up: the steady state is measured
    const paying = await measureWindow(cdp, pid, seconds, (from, to) => account.packets.filter((p) => p.at >= from && p.at < to).length)
    await page.close()
    page = null
    await sleep(2000)
    const idleB = await measureWindow(cdp, pid, seconds, none)
    const restarted = worker.detached() || (await worker.marker().catch(() => '')) !== marker
    return { pid, calibration: { busyMs: result.value, seenMs, otherMs: other }, idleA, paying, idleB, restarted }
  } finally {
    await page?.close().catch(() => undefined)
    await stack.control.goto(`chrome-extension://${stack.browser.extensionId}/src/options/index.html`).catch(() => undefined)
    cdp.close()
  }
}

export function workerCpuSection(r: CpuResult): string {
  const pctOfCore = (w: CpuWindow): number => (w.workerCpuMs / (w.seconds * 1000)) * 100
  const idlePct = (pctOfCore(r.idleA) + pctOfCore(r.idleB)) / 2
  const idleMsPerS = (r.idleA.workerCpuMs / r.idleA.seconds + r.idleB.workerCpuMs / r.idleB.seconds) / 2
  const payPct = pctOfCore(r.paying)
  const netPct = payPct - idlePct
  const netMs = r.paying.workerCpuMs - idleMsPerS * r.paying.seconds
  const perPacket = r.paying.packets > 0 ? netMs / r.paying.packets : NaN
  const browserPct = (w: CpuWindow): string => `${((w.browserCpuMs / (w.seconds * 1000)) * 100).toFixed(2)} %`
  const tick = 1000 / CLK_TCK
  return `
## Worker CPU while paying one tab (${r.paying.seconds.toFixed(0)} s windows)

The extension's service worker runs in Chromium's extension renderer process (the renderer started with
\`--extension-process\`; checked in this run: ${r.calibration.busyMs.toFixed(0)} ms of busy work run in the
worker over CDP showed as ${r.calibration.seenMs.toFixed(0)} ms of CPU in that process, at most ${r.calibration.otherMs.toFixed(0)} ms in any other of the browser's). Its user + system CPU time is read from
/proc/<pid>/stat (${CLK_TCK} ticks a second: ${tick.toFixed(0)} ms resolution) over a window with one visible tab paid, and over
windows of the same length with no monetized tab open, before and after (the reference, averaged). The
bench's own extension page is the pointer tester meanwhile, which watches nothing (the options page
would reload what it shows at every payment, in this same process). The kernel's
counters were read rather than a CDP profile: a profiler attached to the worker costs CPU in the very
thread it measures and sees only JavaScript, not the GC, Web Crypto or IPC the worker costs.
${r.restarted ? '\n**The worker restarted during the measure**: the figures mix two workers.\n' : 'The worker was the same instance throughout (a marker kept in its global scope did not change).\n'}
| window | extension process CPU | % of one core | packets | all of Chromium's processes |
|---|---|---|---|---|
| no monetized tab (before) | ${r.idleA.workerCpuMs.toFixed(0)} ms in ${r.idleA.seconds.toFixed(1)} s | ${pctOfCore(r.idleA).toFixed(3)} % | — | ${browserPct(r.idleA)} |
| one visible tab paid | ${r.paying.workerCpuMs.toFixed(0)} ms in ${r.paying.seconds.toFixed(1)} s | ${payPct.toFixed(3)} % | ${r.paying.packets} | ${browserPct(r.paying)} |
| no monetized tab (after) | ${r.idleB.workerCpuMs.toFixed(0)} ms in ${r.idleB.seconds.toFixed(1)} s | ${pctOfCore(r.idleB).toFixed(3)} % | — | ${browserPct(r.idleB)} |

Paying minus idle: **${netPct.toFixed(3)} % of one core** (target < 1 %: ${netPct < 1 ? 'met' : 'not met'}; raw, without
subtracting idle: ${payPct.toFixed(3)} %), **${perPacket.toFixed(2)} ms of CPU per packet** (${netMs.toFixed(0)} ms over ${r.paying.packets} packets).
`
}
