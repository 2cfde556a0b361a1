/**
 * What Trickle costs a page that is not monetized: the content script and the page script run in
 * every frame of every page, and almost none of those pages has a tag.
 *
 * One browser, the extension loaded, and three addresses for the same local server: `127.0.0.1`, where
 * Trickle's scripts run (the manifest matches it); a name mapped to 127.0.0.1 by the browser's host
 * resolver, where no extension runs; and another such name where a second extension, loaded beside
 * Trickle, runs two empty content scripts (one in an isolated world, one in the page's): the cost of
 * having any content script at document_start at all, which no code of Trickle's can remove.
 * Everything else (browser, flags, server, page) is the same, and loads alternate between the three,
 * so the ratios are measured in one run on a noisy machine.
 *
 * Per load: a new tab, CPU from `Performance.getMetrics` in thread ticks (main-thread task time to the
 * load event, and script time over a steady window for the churning page), DOMContentLoaded from the
 * navigation timing, and the renderer's JS heap after a forced collection.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, CDPSession } from 'playwright-core'

/** The name under which the same server is reached without Trickle's scripts. */
export const REFERENCE_HOST = 'no-trickle.test'
/** The name under which only the empty content scripts of the floor extension run. */
export const FLOOR_HOST = 'empty-scripts.test'
export const REFERENCE_ARGS = [`--host-resolver-rules=MAP ${REFERENCE_HOST} 127.0.0.1, MAP ${FLOOR_HOST} 127.0.0.1`]

/** An unpacked extension with an empty content script in each world, for FLOOR_HOST only. */
export function floorExtension(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trickle-floor-ext-'))
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'empty.js'), 'void 0\n')
  const script = { matches: [`http://${FLOOR_HOST}/*`], js: ['empty.js'], run_at: 'document_start', all_frames: true }
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({
    manifest_version: 3, name: 'empty content scripts', version: '1.0',
    content_scripts: [script, { ...script, world: 'MAIN' }],
  }))
  return dir
}

const STEADY_MS = Number(process.env.TRICKLE_BENCH_STEADY_MS ?? 5000)

const plainPage = `<!doctype html><html><head><meta charset="utf-8"><title>An article</title>
<link rel="stylesheet" href="data:text/css,p{margin:1em}"><link rel="icon" href="data:,">
<meta name="description" content="no tag here"></head><body><main><h1>An article</h1>
${Array.from({ length: 40 }, (_, i) => `<p>Paragraph ${i} with <a href="#${i}">a link</a> and <em>some</em> words.</p>`).join('\n')}
</main></body></html>`

/** 5,000 elements built before DOMContentLoaded, then 1,000 appended and 1,000 removed each second. */
const churnPage = `<!doctype html><html><head><meta charset="utf-8"><title>A busy page</title></head><body>
<div id="feed"></div><script>
const feed = document.getElementById('feed')
for (let i = 0; i < 5000; i++) { const d = document.createElement('div'); d.className = 'item'; d.innerHTML = '<span>item ' + i + '</span>'; feed.appendChild(d) }
let n = 0
setInterval(() => {
  for (let i = 0; i < 100; i++) { const d = document.createElement('div'); d.className = 'item'; d.innerHTML = '<span>new ' + (n++) + '</span>'; feed.appendChild(d) }
  for (let i = 0; i < 100; i++) feed.firstElementChild.remove()
}, 100)
</script></body></html>`

export interface PageServer { port: number; stop(): Promise<void> }

export async function startPageServer(): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    const body = req.url?.startsWith('/churn') === true ? churnPage : req.url?.startsWith('/plain') === true ? plainPage : null
    if (body === null) { res.writeHead(404).end(); return }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(body)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const timer = setTimeout(() => server.close(), 30 * 60_000) // stops by itself
  timer.unref()
  return {
    port: (server.address() as AddressInfo).port,
    stop: () => new Promise((resolve) => { clearTimeout(timer); server.closeAllConnections(); server.close(() => resolve()) }),
  }
}

export interface LoadFigures { cpuMs: number; dclMs: number; heapKb: number; steadyScriptMs?: number }

const metric = (metrics: { name: string; value: number }[], name: string): number => metrics.find((m) => m.name === name)?.value ?? NaN

async function loadOnce(context: BrowserContext, url: string, steady: boolean): Promise<LoadFigures> {
  const page = await context.newPage()
  const cdp: CDPSession = await context.newCDPSession(page)
  try {
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' } as never)
    const before = (await cdp.send('Performance.getMetrics')).metrics
    await page.goto(url, { waitUntil: 'load' })
    // Whatever the scripts scheduled for after load (the content script's first report) runs too.
    await page.evaluate(() => new Promise((resolve) => { setTimeout(resolve, 200) }))
    const loaded = (await cdp.send('Performance.getMetrics')).metrics
    const dclMs = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined
      return nav === undefined ? NaN : nav.domContentLoadedEventEnd - nav.startTime
    })
    let steadyScriptMs: number | undefined
    if (steady) {
      const a = (await cdp.send('Performance.getMetrics')).metrics
      await new Promise((resolve) => setTimeout(resolve, STEADY_MS))
      const b = (await cdp.send('Performance.getMetrics')).metrics
      steadyScriptMs = (metric(b, 'ScriptDuration') - metric(a, 'ScriptDuration')) * 1000
    }
    await cdp.send('HeapProfiler.collectGarbage')
    const heap = (await cdp.send('Performance.getMetrics')).metrics
    return {
      cpuMs: (metric(loaded, 'TaskDuration') - metric(before, 'TaskDuration')) * 1000,
      dclMs,
      heapKb: metric(heap, 'JSHeapUsedSize') / 1024,
      ...(steadyScriptMs === undefined ? {} : { steadyScriptMs }),
    }
  } finally {
    await cdp.detach().catch(() => undefined)
    await page.close()
  }
}

type Kind = 'with' | 'without' | 'floor'
const KINDS: readonly Kind[] = ['with', 'without', 'floor']

export interface CostRow { measure: string; without: number; floor: number; with: number; unit: 'ms' | 'KB' }
export interface CostResult { loads: number; rows: CostRow[] }

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

/** Alternating loads with and without Trickle's scripts, `loads` of each, on the plain and the churning page. */
export async function contentCost(context: BrowserContext, loads: number): Promise<CostResult> {
  const server = await startPageServer()
  try {
    const urls: Record<Kind, (path: string) => string> = {
      with: (path) => `http://127.0.0.1:${server.port}${path}`,
      without: (path) => `http://${REFERENCE_HOST}:${server.port}${path}`,
      floor: (path) => `http://${FLOOR_HOST}:${server.port}${path}`,
    }
    const empty = (): Record<Kind, LoadFigures[]> => ({ with: [], without: [], floor: [] })
    const figures = { plain: empty(), churn: empty() }
    // One of each first, unmeasured: the first load of a process pays for code caches.
    for (const kind of KINDS) await loadOnce(context, urls[kind]('/plain'), false)
    for (let i = 0; i < loads; i++) {
      // A different order each round, so that no kind always follows the same one.
      const order = KINDS.map((_, j) => KINDS[(i + j) % KINDS.length] as Kind)
      for (const kind of order) figures.plain[kind].push(await loadOnce(context, urls[kind](`/plain?${i}`), false))
      for (const kind of order.reverse()) figures.churn[kind].push(await loadOnce(context, urls[kind](`/churn?${i}`), true))
      process.stdout.write('c')
    }
    const pick = (xs: LoadFigures[], f: (x: LoadFigures) => number): number => median(xs.map(f))
    const row = (measure: string, page: 'plain' | 'churn', f: (x: LoadFigures) => number, unit: 'ms' | 'KB'): CostRow =>
      ({ measure, without: pick(figures[page].without, f), floor: pick(figures[page].floor, f), with: pick(figures[page].with, f), unit })
    return {
      loads,
      rows: [
        row('page with no tag: main-thread CPU to load', 'plain', (x) => x.cpuMs, 'ms'),
        row('page with no tag: DOMContentLoaded', 'plain', (x) => x.dclMs, 'ms'),
        row('page with no tag: renderer JS heap', 'plain', (x) => x.heapKb, 'KB'),
        row('5,000 elements, 1,000 appended and removed a second: DOMContentLoaded', 'churn', (x) => x.dclMs, 'ms'),
        row(`same page: script time over ${STEADY_MS / 1000} s, steady`, 'churn', (x) => x.steadyScriptMs ?? NaN, 'ms'),
      ],
    }
  } finally {
    await server.stop()
  }
}

export function contentCostSection(r: CostResult): string {
  const value = (v: number, unit: string): string => unit === 'KB' ? `${v.toFixed(0)} KB` : `${v.toFixed(1)} ms`
  const signed = (d: number, unit: string): string => `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(unit === 'KB' ? 0 : 1)} ${unit}`
  const ratio = (row: CostRow): string => row.unit === 'KB'
    ? signed(row.with - row.without, 'KB')
    : `${(row.with / row.without).toFixed(2)}× (${signed(row.with - row.without, 'ms')})`
  const targets = ['≤ 1.02× (≤ 0.5 ms added)', '≤ 1.05×', '≤ +100 KB', '≤ 1.05×', '']
  return `## What Trickle costs a page without a tag (${r.loads} loads each, interleaved)

The same page from the same local server in the same browser, reached three ways: as \`127.0.0.1\`,
where Trickle's content script and page script run; as \`${REFERENCE_HOST}\`, where no extension runs;
and as \`${FLOOR_HOST}\`, where a second extension runs two *empty* content scripts at document_start
(one isolated, one in the page's world): the floor any extension built this way pays, before any code
of its own. Medians. CPU is the renderer main thread's task time in thread ticks, from navigation to
200 ms after load; heap is the renderer's JS heap after a forced collection.

| measure | without | empty scripts (floor) | with Trickle | with / without | Trickle over the floor | target |
|---|---|---|---|---|---|---|
${r.rows.map((row, i) => `| ${row.measure} | ${value(row.without, row.unit)} | ${value(row.floor, row.unit)} | ${value(row.with, row.unit)} | ${ratio(row)} | ${signed(row.with - row.floor, row.unit)} | ${targets[i] ?? ''} |`).join('\n')}
`
}
