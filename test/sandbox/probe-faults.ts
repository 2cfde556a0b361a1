/**
 * `npx tsx test/sandbox/probe-faults.ts [--extension-dir dist] [--seconds 20] [--direct] [--headed]
 *   [--only accept,refuse,t04,f02,hang,garbage,kill,restart,proxy]`
 *
 * How the built extension copes with each fault the sandbox can make: a demo page paying each fault
 * receiver in turn, one at a time, and what the receiver saw (prepares per second, money received)
 * and the tab's status said; then the worker killed 10 times on one paying page, a connector
 * restart, and the uplink proxy losing a reply, killing the socket and black-holing it. Builds
 * nothing: run `npm run build` first (or point --extension-dir at another build); --direct leaves the
 * proxy out. One browser, closed at the end; everything on 127.0.0.1.
 */
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Page } from 'playwright-core'
import type { TabStatus } from '../../src/shared/status.ts'
import { EXTENSION_DIR, launchWithExtension, type ExtensionBrowser } from './browser.ts'
import { startNetwork, type Network } from './network.ts'
import type { ReceiverAccount, ReceiverMode } from './receiver.ts'

const { values: args } = parseArgs({
  options: {
    'extension-dir': { type: 'string' },
    seconds: { type: 'string', default: '20' },
    only: { type: 'string' },
    headed: { type: 'boolean', default: false },
    /** No fault proxy: the extension talks to the connector itself (the proxy part is skipped). */
    direct: { type: 'boolean', default: false },
  },
})
const SECONDS = Number(args.seconds)
const only = args.only === undefined ? null : new Set(args.only.split(','))
const wanted = (part: string): boolean => only === null || only.has(part)
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
const RECEIVED_PER_S = 100 // 0.36 USD/hour at USD scale 6

async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms: number): Promise<T | null> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v !== undefined) return v
    if (Date.now() > deadline) {
      console.log(`    (no ${what} within ${ms / 1000} s)`)
      return null
    }
    await sleep(25)
  }
}

interface Probe {
  net: Network
  browser: ExtensionBrowser
  control: Page
}

async function setUp(): Promise<Probe> {
  const net = await startNetwork({ uplinkProxy: !args.direct })
  const extensionDir = args['extension-dir'] === undefined ? EXTENSION_DIR : resolve(args['extension-dir'])
  const browser = await launchWithExtension({ extensionDir, headless: !args.headed })
  const control = await browser.openExtensionPage('src/options/index.html')
  await control.getByLabel('Uplink URL').fill(net.uplinkUrl)
  await control.getByRole('button', { name: 'Save' }).click()
  await control.getByRole('status').filter({ hasText: 'Saved.' }).waitFor({ timeout: 5000 })
  await control.getByLabel('Uplink status').filter({ hasText: 'Connected' }).waitFor({ timeout: 10_000 })
  return { net, browser, control }
}

/** Opens `url` in a focused window of its own (Trickle pays only windows with focus). */
async function openWindow(p: Probe, url: string): Promise<Page> {
  const opened = p.browser.context.waitForEvent('page', { predicate: (pg) => pg.url() === url })
  await p.control.evaluate(async (u) => { await chrome.windows.create({ url: u, focused: true, width: 800, height: 600 }) }, url)
  return opened
}

async function status(p: Probe, page: Page): Promise<TabStatus | null> {
  try {
    const url = page.url()
    return await p.control.evaluate(async (u) => {
      const tabs = await chrome.tabs.query({ url: u })
      const id = tabs[0]?.id
      if (id === undefined) return null
      const reply = await chrome.runtime.sendMessage<unknown, { ok: boolean; value?: unknown }>({ to: 'trickle-worker', type: 'get-tab-status', input: { tabId: id } })
      return reply.ok ? reply.value as TabStatus : null
    }, url)
  } catch {
    return null // the worker may be restarting
  }
}

const describeStatus = (s: TabStatus | null): string =>
  s === null ? '(no answer)' : s.kind !== 'monetized' ? s.kind : `${s.phase}${s.reason === null ? '' : ` (${s.reason.replace(/triggered by: [^,]+, /, '')})`}`

/** Samples the tab's status every 500 ms for `ms`, returning each change with its time since `from`. */
async function watch(p: Probe, page: Page, from: number, ms: number): Promise<{ changes: string[]; last: TabStatus | null }> {
  const changes: string[] = []
  let previous = ''
  let last: TabStatus | null = null
  const end = Date.now() + ms
  while (Date.now() < end) {
    last = await status(p, page)
    const text = describeStatus(last)
    if (text !== previous) changes.push(`+${((Date.now() - from) / 1000).toFixed(1)}s ${text}`)
    previous = text
    await sleep(500)
  }
  return { changes, last }
}

function counts(a: ReceiverAccount, from: number): { all: number; money: number; codes: string } {
  const seen = a.attempts.filter((t) => t.at >= from)
  const money = seen.filter((t) => t.amount > 0n)
  const byCode = new Map<string, number>()
  for (const t of money) byCode.set(t.code, (byCode.get(t.code) ?? 0) + 1)
  return { all: seen.length, money: money.length, codes: [...byCode].map(([c, n]) => `${c}×${n}`).join(' ') || '-' }
}

async function faultReceivers(p: Probe): Promise<void> {
  if (only !== null && !['accept', 'refuse', 't04', 'f02', 'hang', 'garbage'].some(wanted)) return
  console.log(`\n== Each receiver mode, one page at a time, ${SECONDS} s each (hang: ${Math.max(SECONDS, 35)} s, past the 30 s packet expiry)`)
  const modes: ReceiverMode[] = ['accept', 'refuse', 't04', 'f02', 'hang', 'garbage']
  for (const mode of modes) {
    if (!wanted(mode)) continue
    const name = mode === 'accept' ? 'probe-ok' : `${mode}-probe`
    const seconds = mode === 'hang' ? Math.max(SECONDS, 35) : SECONDS
    const a = p.net.receiver.account(name)
    const from = Date.now()
    const page = await openWindow(p, p.net.site.pageFor('link', name))
    const { changes, last } = await watch(p, page, from, seconds * 1000)
    const c = counts(a, from)
    const firstMoney = a.attempts.find((t) => t.amount > 0n)
    const lastMoney = a.attempts.filter((t) => t.amount > 0n).at(-1)
    console.log(`-- ${name} (${mode})`)
    console.log(`   prepares seen: ${c.all} (${(c.all / seconds).toFixed(2)}/s), with money: ${c.money} (${(c.money / seconds).toFixed(2)}/s): ${c.codes}`)
    if (firstMoney !== undefined && lastMoney !== undefined) {
      console.log(`   first money prepare at +${((firstMoney.at - from) / 1000).toFixed(1)}s, last at +${((lastMoney.at - from) / 1000).toFixed(1)}s`)
    }
    console.log(`   received: ${a.total} units in ${a.packets.length} packets (an accepting receiver gets ~${RECEIVED_PER_S * seconds}); SPSP queries ${a.spspQueries}, STREAM connections ${a.connections}`)
    const sent = last?.kind === 'monetized' && last.sent !== null ? `${last.sent.value} (scale ${last.sent.scale})` : '-'
    console.log(`   extension says sent: ${sent}; status: ${changes.join(' → ')}`)
    await page.close()
    await sleep(1000)
  }
}

/** The worker's log lines (its ring buffer) written after `since`, from whichever worker answers. */
async function workerLines(p: Probe, since: number): Promise<string[]> {
  for (const w of [...p.browser.context.serviceWorkers()].reverse()) {
    try {
      const lines = await w.evaluate(() => (globalThis as { __trickleLog?: string[] }).__trickleLog ?? [])
      return lines.filter((l) => Date.parse(l.slice(0, 24)) >= since)
    } catch {
      // a killed worker Playwright has not forgotten yet
    }
  }
  return []
}

const offset = (line: string | undefined, from: number): string =>
  line === undefined ? '-' : `${Date.parse(line.slice(0, 24)) - from} ms`

/** Prints the worker's warnings and errors since `since`, at most `max` of them. */
async function printWorkerTrouble(p: Probe, since: number, max = 6): Promise<void> {
  const trouble = (await workerLines(p, since)).filter((l) => / (warn|error) /.test(l.slice(24, 32)))
  for (const line of trouble.slice(0, max)) console.log(`     worker: +${offset(line, since)} ${line.slice(25, 220)}`)
  if (trouble.length > max) console.log(`     worker: … ${trouble.length - max} more`)
}

/** Waits for the first packet the receiver got after `after`; returns its time, or null. */
const nextPacket = (a: ReceiverAccount, after: number, ms: number): Promise<number | null> =>
  waitFor('packet', () => a.packets.find((x) => x.at > after)?.at, ms)

async function workerKills(p: Probe): Promise<void> {
  if (!wanted('kill')) return
  console.log('\n== The worker killed 10 times on one paying page, 4 s apart')
  const name = 'probe-kill'
  const a = p.net.receiver.account(name)
  const loadAt = Date.now()
  const page = await openWindow(p, p.net.site.pageFor('meta', name))
  await nextPacket(a, 0, 15_000)
  await sleep(3000)
  const recoveries: string[] = []
  for (let i = 1; i <= 10; i++) {
    const killedAt = Date.now()
    try {
      await p.browser.killWorker()
    } catch (e) {
      recoveries.push(`#${i}: ${e instanceof Error ? e.message : String(e)}`)
      await sleep(4000)
      continue
    }
    const next = await nextPacket(a, killedAt, 15_000)
    // Where the time went: the new worker's first log line (it started) and its "resuming" line.
    const lines = await workerLines(p, killedAt)
    const detail = `worker up ${offset(lines[0], killedAt)}, resuming ${offset(lines.find((l) => l.includes('resuming')), killedAt)}`
    recoveries.push(next === null ? `#${i}: none within 15 s (${detail})` : `#${i}: ${next - killedAt} ms (${detail})`)
    const wait = killedAt + 4000 - Date.now()
    if (wait > 0) await sleep(wait)
  }
  await sleep(2000)
  const elapsed = (Date.now() - loadAt) / 1000
  console.log(`   kill → next packet at the receiver:\n     ${recoveries.join('\n     ')}`)
  console.log(`   received ${a.total} units over ${elapsed.toFixed(1)} s visible (${(Number(a.total) / elapsed).toFixed(1)}/s; the rate is ${RECEIVED_PER_S}/s); status: ${describeStatus(await status(p, page))}`)
  await page.close()
}

async function connectorRestart(p: Probe): Promise<void> {
  if (!wanted('restart')) return
  console.log('\n== The connector restarted while a page pays')
  const name = 'probe-restart'
  const a = p.net.receiver.account(name)
  const page = await openWindow(p, p.net.site.pageFor('meta', name))
  await nextPacket(a, 0, 15_000)
  await sleep(3000)
  const acceptedBefore = p.net.proxy?.stats.accepted ?? 0
  const t = await p.net.restartConnector()
  const reconnected = p.net.proxy === null ? null : sleep(2000).then(() => (p.net.proxy?.stats.accepted ?? 0) - acceptedBefore)
  const statusAt = sleep(5000).then(async () => describeStatus(await status(p, page)))
  const next = await nextPacket(a, t.startedAt, 60_000)
  console.log(`   connector down ${t.stoppedAt - t.startedAt} ms, listening again after ${t.listeningAt - t.startedAt} ms, receiver reconnected after ${t.receiverMs} ms`)
  console.log(`   restart → next packet at the receiver: ${next === null ? 'none within 60 s' : `${next - t.startedAt} ms`}; status 5 s after the restart: ${await statusAt}`)
  if (reconnected !== null) console.log(`   uplink sockets the extension opened within 2 s of the restart: ${await reconnected}`)
  await printWorkerTrouble(p, t.startedAt)
  await page.close()
}

async function uplinkFaults(p: Probe): Promise<void> {
  if (!wanted('proxy')) return
  const proxy = p.net.proxy
  if (proxy === null) return
  console.log('\n== The uplink proxy: a lost reply, a killed socket, a black hole')
  const name = 'probe-uplink'
  const a = p.net.receiver.account(name)
  const loadAt = Date.now()
  const page = await openWindow(p, p.net.site.pageFor('meta', name))
  await nextPacket(a, 0, 15_000)
  await sleep(3000)

  const dropping = proxy.dropNextReply()
  const dropped = await Promise.race([dropping, sleep(10_000).then(() => null)])
  if (dropped === null) {
    proxy.pass()
    console.log('   dropNextReply: no money Prepare within 10 s')
  } else {
    const statusAt = sleep(5000).then(async () => describeStatus(await status(p, page)))
    const next = await nextPacket(a, dropped.droppedAt, 60_000)
    console.log(`   dropNextReply: ${dropped.amount} wallet units executed, Fulfill lost, socket closed → next packet at the receiver after ${next === null ? 'none within 60 s' : `${next - dropped.droppedAt} ms`}; status 5 s after: ${await statusAt}`)
    await printWorkerTrouble(p, dropped.droppedAt)
  }

  await sleep(3000)
  const killedAt = Date.now()
  const killed = proxy.kill()
  const afterKill = await nextPacket(a, killedAt, 60_000)
  console.log(`   kill(): ${killed} socket(s) closed → next packet after ${afterKill === null ? 'none within 60 s' : `${afterKill - killedAt} ms`}`)
  await printWorkerTrouble(p, killedAt)

  await sleep(3000)
  const holedAt = Date.now()
  proxy.blackhole(true)
  const { changes: holed } = await watch(p, page, holedAt, 15_000)
  proxy.blackhole(false)
  const reopenedAt = Date.now()
  const afterHole = await nextPacket(a, reopenedAt, 60_000)
  console.log(`   blackhole 15 s: status ${holed.join(' → ')}`)
  console.log(`   blackhole off → next packet after ${afterHole === null ? 'none within 60 s' : `${afterHole - reopenedAt} ms`}; proxy ${JSON.stringify(proxy.stats)}`)
  await printWorkerTrouble(p, holedAt)
  const elapsed = (Date.now() - loadAt) / 1000
  console.log(`   received ${a.total} units over ${elapsed.toFixed(1)} s visible (${(Number(a.total) / elapsed).toFixed(1)}/s)`)
  await page.close()
}

const probe = await setUp()
const stopAll = async (): Promise<void> => {
  await probe.browser.close()
  await probe.net.stop()
}
process.on('SIGINT', () => { void stopAll().then(() => process.exit(130)) })
try {
  console.log(`Probing ${args['extension-dir'] ?? EXTENSION_DIR}; uplink ${probe.net.uplinkUrl}${probe.net.proxy === null ? '' : ' (through the fault proxy)'}`)
  await faultReceivers(probe)
  await workerKills(probe)
  await connectorRestart(probe)
  await uplinkFaults(probe)
} finally {
  await stopAll()
}
process.exit(0)
