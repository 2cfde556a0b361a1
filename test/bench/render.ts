/**
 * First render of the popup and the history page, with an empty ledger (the reference) and with a
 * big one: SITES sites × DAYS days, one row per site per day, as a year of reading a thousand sites
 * leaves it. The big ledger is written straight into the extension's IndexedDB from one of its own
 * pages (rows and the aggregates the ledger keeps with them, as history-sums.ts writes them), then
 * the worker is restarted so that it starts over that ledger, as it would on the user's machine.
 *
 * "First render with data": from the page's navigation start to the first animation frame where a
 * site of the ledger is on screen (the popup's top sites, the history's statement).
 */
import type { Page } from 'playwright-core'
import type { ExtensionBrowser } from '../sandbox/browser.ts'

export const SITES = Number(process.env.TRICKLE_BENCH_SITES ?? 1000)
export const DAYS = Number(process.env.TRICKLE_BENCH_DAYS ?? 365)

/** For profiling by hand: the big ledger in the stack's browser. */
export const seedForProfile = async (page: Page): Promise<number> => seed(page, SITES, DAYS)

export interface RenderFigures { popup: number[]; history: number[] }
export interface RenderResult { empty: RenderFigures; big: RenderFigures; seedMs: number; rows: number; workerStartMs: number }

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

/** Writes the big ledger from an extension page: days rows, month rows, day totals. */
async function seed(page: Page, sites: number, days: number): Promise<number> {
  // tsx (esbuild) names functions through a helper the page does not have.
  await page.evaluate('globalThis.__name = (f) => f')
  return page.evaluate(async ({ sites, days }) => {
    const open = (): Promise<IDBDatabase> => new Promise((resolve, reject) => {
      const r = indexedDB.open('trickle')
      r.onsuccess = () => { resolve(r.result) }
      r.onerror = () => { reject(r.error ?? new Error('open failed')) }
    })
    const db = await open()
    const usd9 = { code: 'USD', scale: 9 }
    const usd6 = { code: 'USD', scale: 6 }
    const key = (day: string, site: string, receiver: string, dst: string): string => JSON.stringify([day, site, receiver, 'USD/9', dst])
    const today = Date.now()
    let rows = 0
    const months = new Map<string, { row: Record<string, unknown>; sent: bigint; delivered: bigint; ms: number; packets: number }>()
    for (let d = days - 1; d >= 0; d--) {
      const day = new Date(today - d * 86_400_000).toLocaleDateString('en-CA')
      const tx = db.transaction(['days', 'totals'], 'readwrite')
      let total = 0n
      let totalMs = 0
      let totalPackets = 0
      for (let s = 0; s < sites; s++) {
        const site = `https://site-${s}.example`
        const receiver = `https://wallet.example/site-${s}`
        // site-0 is the most paid, so that it is on the popup's top sites and first in the statement.
        const sent = BigInt(1_000_000 + ((s * 7919 + d * 104_729) % 9_000_000) + (s === 0 ? 10_000_000 : 0))
        const ms = 1000 + ((s + d) % 600) * 1000
        const packets = Math.max(1, Math.floor(ms / 1000))
        tx.objectStore('days').put({ id: key(day, site, receiver, 'USD/6'), v: 1, day, site, receiver, source: usd9, destination: usd6, sent: sent.toString(), delivered: (sent / 1000n).toString(), unconfirmed: '0', ms, packets })
        rows++
        total += sent
        totalMs += ms
        totalPackets += packets
        const month = `${day.slice(0, 7)}-01`
        const mk = key(month, site, receiver, 'USD/6')
        const m = months.get(mk) ?? { row: { id: mk, v: 1, day: month, site, receiver, source: usd9, destination: usd6, unconfirmed: '0' }, sent: 0n, delivered: 0n, ms: 0, packets: 0 }
        m.sent += sent
        m.delivered += sent / 1000n
        m.ms += ms
        m.packets += packets
        months.set(mk, m)
      }
      tx.objectStore('totals').put({ id: key(day, '*', '*', '-'), v: 1, day, site: '*', receiver: '*', source: usd9, destination: null, sent: total.toString(), delivered: '0', unconfirmed: '0', ms: totalMs, packets: totalPackets })
      await new Promise<void>((resolve, reject) => { tx.oncomplete = () => { resolve() }; tx.onerror = () => { reject(tx.error ?? new Error('write failed')) } })
    }
    const tx = db.transaction('months', 'readwrite')
    for (const m of months.values()) {
      tx.objectStore('months').put({ ...m.row, sent: m.sent.toString(), delivered: m.delivered.toString(), ms: m.ms, packets: m.packets })
    }
    await new Promise<void>((resolve, reject) => { tx.oncomplete = () => { resolve() }; tx.onerror = () => { reject(tx.error ?? new Error('write failed')) } })
    db.close()
    return rows
  }, { sites, days })
}

/** Opens a page and returns the time from its navigation start to the first frame showing `text`. */
async function firstRender(browser: ExtensionBrowser, path: string, text: string): Promise<number> {
  const page = await browser.context.newPage()
  try {
    await page.goto(`chrome-extension://${browser.extensionId}/${path}`, { waitUntil: 'commit' })
    const at = await page.waitForFunction((t) => {
      const body = document.body as HTMLElement | null // null until the document has one
      return body !== null && body.innerText.includes(t) ? performance.now() : false
    }, text, { polling: 'raf', timeout: 30_000 })
    return Number(await at.jsonValue())
  } finally {
    await page.close()
  }
}

async function measure(browser: ExtensionBrowser, loads: number, text: string): Promise<RenderFigures> {
  const out: RenderFigures = { popup: [], history: [] }
  // One load each first, not counted: the first load of a page compiles its scripts.
  await firstRender(browser, 'src/popup/index.html', text)
  await firstRender(browser, 'src/history/index.html', text)
  for (let i = 0; i < loads; i++) {
    out.popup.push(await firstRender(browser, 'src/popup/index.html', text))
    out.history.push(await firstRender(browser, 'src/history/index.html', text))
  }
  return out
}

/**
 * Both pages with a small ledger (three sites, today), then with the big one, in the browser of a
 * stack whose uplink is connected (the popup lists sites in the uplink's asset, USD at scale 9).
 */
export async function renderBench(browser: ExtensionBrowser, loads: number): Promise<RenderResult> {
  const page = await browser.openExtensionPage('src/options/index.html')
  await seed(page, 3, 1)
  await browser.killWorker()
  await browser.worker()
  const empty = await measure(browser, loads, 'site-0.example')
  const t0 = performance.now()
  const rows = await seed(page, SITES, DAYS)
  const seedMs = performance.now() - t0
  await page.close()
  await browser.killWorker()
  // The worker starts again over the big ledger: until it has read what the budget needs, pages wait.
  const t1 = performance.now()
  await browser.worker()
  await firstRender(browser, 'src/popup/index.html', 'site-0.example')
  const workerStartMs = performance.now() - t1
  const big = await measure(browser, loads, 'site-0.example')
  return { empty, big, seedMs, rows, workerStartMs }
}

export function renderSection(r: RenderResult, loads: number): string {
  const line = (name: string, empty: number[], big: number[]): string =>
    `| ${name} | ${median(empty).toFixed(0)} ms | ${median(big).toFixed(0)} ms | ${(median(big) / median(empty)).toFixed(2)}× | ${median(big) <= 100 ? 'met' : 'not met'} |`
  return `
## First render with a big ledger (${loads} loads each, medians)

From navigation start to the first frame that shows a site of the ledger. The reference is the same
page over a ledger of three sites and one day, in the same browser; the big ledger is ${SITES} sites ×
${DAYS} days (${r.rows.toLocaleString('en')} rows, written in ${(r.seedMs / 1000).toFixed(1)} s), with the worker restarted over it
(restart to the popup's first data: ${r.workerStartMs.toFixed(0)} ms: the budget reads the day totals, then every site's rows while payments may already run).

| page | small ledger | big ledger | ratio | target ≤ 100 ms |
|---|---|---|---|---|
${line('popup', r.empty.popup, r.big.popup)}
${line('history', r.empty.history, r.big.history)}
`
}
