/**
 * The worker's JS heap with 0, 1, 10 and 50 monetized tabs open and after closing them, cycle after
 * cycle: it must come back to the same level, not grow.
 *
 * Each measure: over CDP, attached to the service worker, `HeapProfiler.collectGarbage` (twice: the
 * second collects what the first one's finalizers freed), then `Runtime.getHeapUsage`. Each tab is a
 * page of its own receiver from the sandbox site (a new name in every cycle, as new sites are), opened
 * in the stack's window; the last one opened is in front and is paid, the others are hidden tabs
 * whose visits are known to the worker (waited for: each tab's status is 'monetized').
 *
 * A worker that Chromium stops and starts again would start with a fresh heap and fake a flat line:
 * the DevTools session attached to it keeps it running, and a marker kept in its global scope is read
 * at every measure, so that a restart is seen and reported (and its cycle left out of the slope).
 */
import type { Page } from 'playwright-core'
import type { Stack } from '../e2e/stack.ts'
import { sleep, waitFor } from '../e2e/stack.ts'
import { attachWorker, Cdp, type WorkerSession } from './worker-cdp.ts'

export const TAB_COUNTS = [1, 10, 50] as const
/** TRICKLE_BENCH_HEAP_SAME_NAMES=1: the same 50 receivers every cycle (to tell per-site state from a leak). */
const SAME_NAMES = process.env.TRICKLE_BENCH_HEAP_SAME_NAMES === '1'

export interface HeapCycle { open: number[]; afterClose: number; restarted: boolean }
export interface HeapResult { idle: number; cycles: HeapCycle[]; restarts: number; tabsOpened: number }

/** Used heap in bytes after a forced collection; re-attaches (and says so) if the worker was replaced. */
async function heapOf(session: { current: WorkerSession; marker: string; restarts: number }, stack: Stack, cdp: Cdp): Promise<{ bytes: number; restarted: boolean }> {
  let restarted = false
  if (session.current.detached()) {
    await stack.browser.worker()
    session.current = await attachWorker(cdp, stack.browser.extensionId)
    restarted = true
  }
  const marker = await session.current.marker()
  if (marker !== session.marker) {
    restarted = true
    session.marker = marker
  }
  if (restarted) session.restarts++
  await session.current.send('HeapProfiler.collectGarbage')
  await session.current.send('HeapProfiler.collectGarbage')
  const { usedSize } = await session.current.send<{ usedSize: number }>('Runtime.getHeapUsage')
  return { bytes: usedSize, restarted }
}

async function openTabs(stack: Stack, names: string[]): Promise<Page[]> {
  const pages: Page[] = []
  // A few at a time: as fast as a person restoring a session, without 50 navigations at once on 2 cores.
  for (let i = 0; i < names.length; i += 5) {
    pages.push(...await Promise.all(names.slice(i, i + 5).map(async (name) => {
      const page = await stack.browser.context.newPage()
      await page.goto(stack.net.site.pageFor('link', name))
      return page
    })))
  }
  await pages.at(-1)?.bringToFront()
  for (const page of pages) {
    await waitFor('the worker to know the visit', async () => ((await stack.status(page)).kind === 'monetized' ? true : undefined), 20_000)
  }
  return pages
}

export async function workerHeap(stack: Stack, cycles: number): Promise<HeapResult> {
  const cdp = await Cdp.connect(stack.browser)
  const open: Page[] = []
  try {
    await stack.browser.worker()
    const first = await attachWorker(cdp, stack.browser.extensionId)
    const session = { current: first, marker: await first.marker(), restarts: 0 }
    await sleep(1000)
    const idle = (await heapOf(session, stack, cdp)).bytes
    const out: HeapCycle[] = []
    let tabsOpened = 0
    for (let c = 0; c < cycles; c++) {
      const cycle: HeapCycle = { open: [], afterClose: NaN, restarted: false }
      for (const n of TAB_COUNTS) {
        const names = Array.from({ length: n - open.length }, (_, i) => `bench-heap-${SAME_NAMES ? 'same' : c}-${open.length + i}`)
        open.push(...await openTabs(stack, names))
        tabsOpened += names.length
        // The front tab's first payment, so that the paying state is in the heap too.
        const front = open.at(-1)
        if (front !== undefined) {
          await waitFor('the front tab to be paid', async () => {
            const s = await stack.status(front)
            return s.kind === 'monetized' && s.firstPaidAt !== null ? true : undefined
          }, 20_000)
        }
        const h = await heapOf(session, stack, cdp)
        cycle.open.push(h.bytes)
        cycle.restarted ||= h.restarted
      }
      for (const page of open.splice(0)) await page.close()
      // Closed tabs end their visits through port disconnects and tab events: let them arrive.
      await sleep(2000)
      const h = await heapOf(session, stack, cdp)
      cycle.afterClose = h.bytes
      cycle.restarted ||= h.restarted
      out.push(cycle)
      process.stdout.write('m')
    }
    return { idle, cycles: out, restarts: session.restarts, tabsOpened }
  } finally {
    for (const page of open) await page.close().catch(() => undefined)
    cdp.close()
  }
}

/** Least-squares slope of ys over 0, 1, 2, … */
export function slope(ys: number[]): number {
  const n = ys.length
  if (n < 2) return NaN
  const mx = (n - 1) / 2
  const my = ys.reduce((s, y) => s + y, 0) / n
  let num = 0
  let den = 0
  ys.forEach((y, x) => { num += (x - mx) * (y - my); den += (x - mx) ** 2 })
  return num / den
}

export function workerHeapSection(r: HeapResult): string {
  const kb = (b: number): string => `${(b / 1024).toFixed(0)} KB`
  const first = r.cycles[0]
  const last = r.cycles.at(-1)
  if (first === undefined || last === undefined) return ''
  const clean = r.cycles.filter((c) => !c.restarted)
  const after = clean.map((c) => c.afterClose)
  const s = slope(after)
  // The first cycle also loads and compiles what the first visits need (the heap holds bytecode): the slope without it.
  const sWarm = slope(after.slice(1))
  // A cache that fills up and then holds rises first and levels off: the slope of the second half says whether it levelled.
  const half = after.slice(Math.floor(after.length / 2))
  const sHalf = slope(half)
  const growth = last.afterClose - first.afterClose
  const min = Math.min(...after)
  const max = Math.max(...after)
  const cell = (c: HeapCycle, i: number): string => kb(c.open[i] ?? NaN)
  return `
## Worker heap with 1, 10 and 50 tabs, over ${r.cycles.length} cycles

The service worker's used JS heap after a forced collection (CDP, attached to the worker:
\`HeapProfiler.collectGarbage\` twice, then \`Runtime.getHeapUsage\`). Each cycle opens 1, then 10, then 50
tabs, each a page of its own receiver (${SAME_NAMES ? 'the same 50 receivers every cycle' : 'new names every cycle'}: ${r.tabsOpened} visits in all), the last opened
in front and paid, the others hidden; then closes them all and measures again 2 s later. The DevTools
session keeps the worker running, and a marker in its global scope is read at every measure:
${r.restarts === 0 ? 'the worker was the same instance from the first measure to the last.' : `**the worker restarted ${r.restarts} time(s)**; cycles with a restart are left out of the slope.`}

| | idle | 1 tab | 10 tabs | 50 tabs | after closing them |
|---|---|---|---|---|---|
| before the first cycle | ${kb(r.idle)} | | | | |
| first cycle | | ${cell(first, 0)} | ${cell(first, 1)} | ${cell(first, 2)} | ${kb(first.afterClose)} |
| last cycle (${r.cycles.length}) | | ${cell(last, 0)} | ${cell(last, 1)} | ${cell(last, 2)} | ${kb(last.afterClose)} |

After closing, first cycle → last: ${growth >= 0 ? '+' : '−'}${(Math.abs(growth) / 1024).toFixed(0)} KB; least-squares slope over the ${after.length} cycles
**${(s / 1024).toFixed(1)} KB per cycle** (${((s / first.afterClose) * 100).toFixed(2)} % of the first after-close heap per cycle), and
${Number.isNaN(sWarm) ? 'too few cycles for a slope without the first' : `**${(sWarm / 1024).toFixed(1)} KB per cycle** without the first cycle (which also loads and compiles the code the first visits run)`};
${Number.isNaN(sHalf) ? '' : `**${(sHalf / 1024).toFixed(1)} KB per cycle** over the last ${half.length} cycles (a heap that levels off after a rise: something filling up to a bound; one that keeps rising: a leak); `}range ${kb(min)} – ${kb(max)}. Every after-close heap, in order: ${after.map((b) => (b / 1024).toFixed(0)).join(', ')} KB.
${SAME_NAMES ? '' : `Each cycle pays three sites new to the worker (the front tab at each step): whatever the worker rightly
keeps per site paid may grow a little with the cycles.`}
`
}
