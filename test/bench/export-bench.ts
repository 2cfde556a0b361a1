/**
 * The ledger's export over a big ledger (the render bench's SITES × DAYS rows), from the real options
 * page, and the payment rate of a tab paid while the export runs.
 *
 * The export is started as the user starts it: the options page's own button (its click handler runs
 * src/ui/ledger-export.ts's exportLedger, a page of rows at a time from the worker, then offers the
 * file). Its time is from the click to the moment the page makes the file's Blob (URL.createObjectURL,
 * wrapped in the page to note the time), both on the page's clock.
 *
 * Three runs, in this order:
 * 1. each format with the options page in front and nothing paid (the export's own time);
 * 2. each format again, started in the options page, while a monetized page is in front of it and
 *    paid (Trickle pays only what is visible: the user starts the export, then goes back to reading);
 * 3. the reference: the same kind of paid visit, as long as (2), with no export.
 * For (2) and (3): delivered from the receiver's records against rate × visible time over the whole
 * visit (as run.ts's rate figure), and the receiver's own rate over the export's window (money in
 * the packets after the first of the window, over the time from the first to the last).
 */
import type { Page } from 'playwright-core'
import type { Stack } from '../e2e/stack.ts'
import { measuredRate, sleep, waitFor } from '../e2e/stack.ts'
import { errorPct, rateOf, type Rate, UNITS_PER_SECOND } from './rate.ts'

type Format = 'csv' | 'json'
const BUTTON: Record<Format, string> = { csv: 'Export history (CSV)', json: 'Export history (JSON)' }

export interface ExportTime { format: Format; ms: number; bytes: number; rows: number }
export interface PaidVisit { rate: Rate; windowPerSecond: number; windowMs: number; windowPackets: number; windowMaxGapMs: number }
export interface ExportResult { alone: ExportTime[]; paying: ExportTime[]; during: PaidVisit; reference: PaidVisit; ledgerRows: number }

/** Clicks the page's export button and returns the time to the file's Blob and the Blob's size. */
async function exportOnce(options: Page, format: Format): Promise<{ ms: number; bytes: number }> {
  await options.evaluate((label) => {
    const w = window as unknown as { __made?: { at: number; blob: Blob }[]; __wrapped?: boolean; __clickAt?: number }
    w.__made = []
    if (w.__wrapped !== true) {
      w.__wrapped = true
      const original = URL.createObjectURL.bind(URL)
      URL.createObjectURL = (b: Blob | MediaSource) => { if (b instanceof Blob) w.__made?.push({ at: performance.now(), blob: b }); return original(b) }
    }
    const button = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === label)
    if (button === undefined) throw new Error(`no button ${label}`)
    w.__clickAt = performance.now()
    // A DOM click: the page may be a hidden tab behind the paid one, which renders no frame to click on.
    button.click()
  }, BUTTON[format])
  await waitFor(`the ${format} file`, () => options.evaluate(() => (((window as unknown as { __made?: unknown[] }).__made?.length ?? 0) > 0 ? true : undefined)), 300_000)
  return options.evaluate(() => {
    const w = window as unknown as { __made: { at: number; blob: Blob }[]; __clickAt: number }
    const made = w.__made[0] as { at: number; blob: Blob }
    return { ms: made.at - w.__clickAt, bytes: made.blob.size }
  })
}

/** Rows in the last file made (CSV: lines after the header; JSON: its rows), read after the timing. */
async function rowsOfLast(options: Page, format: Format): Promise<number> {
  return options.evaluate(async (f) => {
    const w = window as unknown as { __made: { blob: Blob }[] }
    const text = await (w.__made[0] as { blob: Blob }).blob.text()
    if (f === 'json') return (JSON.parse(text) as { rows: unknown[] }).rows.length
    let lines = 0
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines++
    if (!text.endsWith('\n')) lines++
    return lines - 1
  }, format)
}

/** CSV then JSON; `count`: also the rows of each file, read after its timing. */
async function exportBoth(options: Page, count: boolean): Promise<ExportTime[]> {
  const out: ExportTime[] = []
  for (const format of ['csv', 'json'] as const) {
    const t = await exportOnce(options, format)
    out.push({ format, ...t, rows: count ? await rowsOfLast(options, format) : NaN })
  }
  return out
}

/** A paid visit in front of the options page; `during` runs while it is paid, after its first payment. */
async function paidVisit(stack: Stack, name: string, during: () => Promise<void>): Promise<PaidVisit> {
  const page = await stack.browser.context.newPage()
  await page.goto(stack.net.site.pageFor('meta', name))
  await page.bringToFront()
  const seen = await waitFor('the first payment', async () => {
    const s = await stack.status(page)
    return s.kind === 'monetized' && s.firstPaidAt !== null ? s.seenAt : undefined
  }, 15_000)
  await sleep(2000)
  const t0 = Date.now()
  await during()
  const t1 = Date.now()
  await sleep(1500) // a packet after the window, so that the window's last second is paid too
  const end = Date.now()
  await page.close()
  await sleep(300)
  const account = stack.net.receiver.account(name)
  const inWindow = account.packets.filter((p) => p.at >= t0 && p.at <= t1)
  const w = measuredRate(inWindow)
  let windowMaxGapMs = 0
  for (let i = 1; i < inWindow.length; i++) windowMaxGapMs = Math.max(windowMaxGapMs, (inWindow[i]?.at ?? 0) - (inWindow[i - 1]?.at ?? 0))
  return { rate: rateOf(account.packets, account.total, seen, end), windowPerSecond: w.perSecond, windowMs: w.spanMs, windowPackets: inWindow.length, windowMaxGapMs }
}

/** Over the ledger the extension holds now (run.ts: after the render bench seeded it). */
export async function exportBench(stack: Stack, ledgerRows: number): Promise<ExportResult> {
  const options = await stack.browser.openExtensionPage('src/options/index.html')
  try {
    await options.bringToFront()
    const alone = await exportBoth(options, true)
    let paying: ExportTime[] = []
    const during = await paidVisit(stack, 'bench-export-paid', async () => { paying = await exportBoth(options, false) })
    const windowMs = paying.reduce((s, t) => s + t.ms, 0)
    const reference = await paidVisit(stack, 'bench-export-reference', () => sleep(windowMs))
    return { alone, paying, during, reference, ledgerRows }
  } finally {
    await options.close()
  }
}

export function exportSection(r: ExportResult): string {
  const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`
  const mb = (b: number): string => `${(b / 1e6).toFixed(1)} MB`
  const winErr = (v: PaidVisit): number => ((v.windowPerSecond - Number(UNITS_PER_SECOND)) / Number(UNITS_PER_SECOND)) * 100
  const ok = (p: number): string => (Math.abs(p) <= 0.5 ? 'met' : 'not met')
  const line = (f: Format): string => {
    const a = r.alone.find((t) => t.format === f)
    const p = r.paying.find((t) => t.format === f)
    if (a === undefined || p === undefined) return ''
    return `| ${f.toUpperCase()} | ${s(a.ms)} | ${s(p.ms)} | ${mb(a.bytes)} | ${a.rows.toLocaleString('en')} (${a.rows < r.ledgerRows ? `**fewer than the ${r.ledgerRows.toLocaleString('en')} seeded**` : `the ${r.ledgerRows.toLocaleString('en')} seeded and ${(a.rows - r.ledgerRows).toLocaleString('en')} of this run's own visits`}) |`
  }
  const visit = (label: string, v: PaidVisit): string =>
    `| ${label} | ${(v.rate.visibleMs / 1000).toFixed(1)} s | ${v.rate.expected} | ${v.rate.delivered} | **${errorPct(v.rate).toFixed(3)} %** (${ok(errorPct(v.rate))}) | ${v.windowPackets} packets over ${s(v.windowMs)}: ${v.windowPerSecond.toFixed(2)} units/s (${winErr(v) >= 0 ? '+' : ''}${winErr(v).toFixed(2)} %); longest gap ${s(v.windowMaxGapMs)} |`
  return `
## Exporting the big ledger (${r.ledgerRows.toLocaleString('en')} rows)

From the options page's own export buttons (a page of 2,000 rows at a time from the worker), over the
big ledger of the render bench below: from the click to the page making the file (its Blob), on the
page's clock. First with the options page in front and nothing paid; then started in the options page
with a monetized page in front of it being paid (Trickle pays only what is visible: the user starts
the export and goes back to reading), CSV then JSON; then, as the reference, a paid visit of the same
length with no export.

| format | options page in front, nothing paid | while a tab is paid | file | rows in the file |
|---|---|---|---|---|
${line('csv')}
${line('json')}

The paid tab's rate (target within ±0.5 % of 100 units a second):

| visit | tag seen → last packet | expected (rate × visible time) | delivered (receiver's records) | error | packets within the export's window |
|---|---|---|---|---|---|
${visit('paid while both files are exported', r.during)}
${visit('reference: paid, no export, same length', r.reference)}

The error is the whole visit's, as the rate figure above (the export's window is most of it). The last
column is what the receiver saw between the export's start and end: money in the packets after the
first of the window over the time from the first to the last. Packets pay for the time since the one
before, measured when they are sent, while the receiver stamps their arrival, so a packet held up at
either end of the window moves this figure by its delay over the window's length; it shows how
evenly the money arrived (and the longest wait for a packet), not whether any was lost.
`
}
