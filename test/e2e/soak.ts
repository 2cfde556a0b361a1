/**
 * The randomized fault run: tabs open, close, reload and churn their tags while the worker is killed,
 * the connector restarted and receivers flip between accepting and refusing, from a seed. After
 * quiescence it checks what must always hold, against the receivers' own records:
 *
 * - the ledger agrees with each receiver (delivered ≤ received ≤ delivered + unconfirmed);
 * - nothing went past the rate bound (each tab's open time × rate, plus its leading second) or the budget;
 * - no packet storm (no receiver saw more than a few prepares in any second).
 *
 * `npm test` runs it briefly (soak.test.ts); `npm run soak -- --seconds 300 [--seed N]` runs it longer.
 */
import type { Page } from 'playwright-core'
import type { LedgerFile } from '../../src/shared/ledger-file.ts'
import { PACKET_BURST, PACKET_REFILL_MS } from '../../src/background/payment/packet-guard.ts'
import type { ReceiverMode } from '../sandbox/receiver.ts'
import { sleep, startStack, type Stack } from './stack.ts'

/** 0.36 USD/hour into the sandbox's USD scale 6 receiver: 100 units a second; 1000 source units each. */
const RECEIVED_PER_SECOND = 100
const SOURCE_PER_UNIT = 1000n
const TABS = 3

export interface SoakReport {
  seed: number
  seconds: number
  actions: Record<string, number>
  received: bigint
  delivered: bigint
  sent: bigint
  unconfirmed: bigint
  bound: number
  peakPerSecond: number
  failures: string[]
}

/** mulberry32: a tiny seeded PRNG, so a failing run can be replayed from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Slot { page: Page | null; name: string; openedAt: number; openMs: number; opens: number }

export async function runSoak(opts: { seconds: number; seed: number; stack?: Stack; log?: (line: string) => void }): Promise<SoakReport> {
  const log = opts.log ?? ((line: string) => { console.log(line) })
  const random = prng(opts.seed)
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const stack = opts.stack ?? await startStack()
  const names = Array.from({ length: TABS }, (_, i) => `soak-${opts.seed}-${i}`)
  const slots: Slot[] = names.map((name) => ({ page: null, name, openedAt: 0, openMs: 0, opens: 0 }))
  const actions: Record<string, number> = {}
  const count = (a: string): void => { actions[a] = (actions[a] ?? 0) + 1 }
  log(`soak: seed ${opts.seed}, ${opts.seconds} s`)

  const openTab = async (s: Slot): Promise<void> => {
    const page = await stack.browser.context.newPage()
    s.page = page
    s.openedAt = Date.now()
    s.opens++
    await page.goto(stack.net.site.pageFor('link', s.name)).catch(() => undefined)
  }
  const closeTab = async (s: Slot): Promise<void> => {
    const page = s.page
    if (page === null) return
    s.page = null
    s.openMs += Date.now() - s.openedAt
    await page.close().catch(() => undefined)
  }

  try {
    const end = Date.now() + opts.seconds * 1000
    for (const s of slots) await openTab(s)
    while (Date.now() < end) {
      await sleep(500 + Math.floor(random() * 1500))
      const s = pick(slots)
      const roll = random()
      if (roll < 0.15) {
        count('close-or-open')
        if (s.page === null) await openTab(s)
        else await closeTab(s)
      } else if (roll < 0.3) {
        count('reload')
        await s.page?.reload().catch(() => undefined)
      } else if (roll < 0.45) {
        count('toggle-tag')
        await s.page?.evaluate(() => {
          const link = document.querySelector('link[rel="monetization"]') ?? (window as { parked?: Element }).parked
          if (link === undefined || link === null) return
          if (link.isConnected) { (window as { parked?: Element }).parked = link; link.remove() } else document.head.append(link)
        }).catch(() => undefined)
      } else if (roll < 0.6) {
        count('kill-worker')
        await stack.browser.killWorker().catch(() => undefined)
      } else if (roll < 0.68) {
        count('restart-connector')
        await stack.net.restartConnector()
      } else if (roll < 0.85) {
        const mode: ReceiverMode | null = pick([null, 'refuse', 't04', null])
        count(`receiver-${mode ?? 'accept'}`)
        stack.net.receiver.setMode(s.name, mode)
      } else {
        count('wait')
      }
    }
    // Quiescence: every receiver accepts again, every tab closes, every visit settles.
    for (const s of slots) stack.net.receiver.setMode(s.name, null)
    for (const s of slots) await closeTab(s)
    await sleep(6000)

    const file = ({ rows: await stack.ledgerRows() }) satisfies Pick<LedgerFile, 'rows'>
    const failures: string[] = []
    let received = 0n
    let delivered = 0n
    let sent = 0n
    let unconfirmed = 0n
    let bound = 0
    let peak = 0
    for (const s of slots) {
      const account = stack.net.receiver.account(s.name)
      const rows = file.rows.filter((r) => r.receiver.endsWith(`/${s.name}`))
      const d = rows.reduce((t, r) => t + BigInt(r.delivered), 0n)
      const u = rows.reduce((t, r) => t + BigInt(r.unconfirmed), 0n)
      received += account.total
      delivered += d
      sent += rows.reduce((t, r) => t + BigInt(r.sent), 0n)
      unconfirmed += u
      // Money whose fate the ledger could not learn (a reply lost and the tab closed before asking)
      // is unconfirmed there; the receiver may have it. Beyond that, the two must agree.
      if (account.total < d) failures.push(`${s.name}: the ledger says ${d} delivered, the receiver got ${account.total}`)
      if (account.total > d + u / SOURCE_PER_UNIT) failures.push(`${s.name}: the receiver got ${account.total}, the ledger accounts for ${d} + ${u} unconfirmed`)
      const b = RECEIVED_PER_SECOND * (s.openMs / 1000 + s.opens) + 100
      bound += b
      if (Number(account.total) > b) failures.push(`${s.name}: received ${account.total}, over the rate bound ${b.toFixed(0)}`)
      const at = account.attempts.filter((a) => a.amount > 0n).map((a) => a.at).sort((x, y) => x - y)
      for (let i = 0; i < at.length; i++) {
        let j = i
        while (j < at.length && (at[j] ?? 0) < (at[i] ?? 0) + 1000) j++
        peak = Math.max(peak, j - i)
      }
    }
    // The packet guard's bound for one connection: its burst, then one per refill interval. (A storm
    // was 400–600 a second; a T04 receiver's retries do use the burst.)
    const bound1s = PACKET_BURST + Math.ceil(1000 / PACKET_REFILL_MS)
    if (peak > bound1s) failures.push(`a receiver saw ${peak} money packets within one second (bound ${bound1s})`)
    const budget = 5_000_000_000n // the default budget: 5 USD at scale 9
    if (sent + unconfirmed > budget) failures.push(`spent ${sent + unconfirmed} over the budget ${budget}`)
    const report: SoakReport = { seed: opts.seed, seconds: opts.seconds, actions, received, delivered, sent, unconfirmed, bound, peakPerSecond: peak, failures }
    log(`soak: seed ${opts.seed}: actions ${JSON.stringify(actions)}; received ${received}, ledger delivered ${delivered}, sent ${sent}, unconfirmed ${unconfirmed}; rate bound ${bound.toFixed(0)}; peak ${peak} packets/s${failures.length === 0 ? '' : `; FAILED: ${failures.join('; ')}`}`)
    return report
  } finally {
    for (const s of slots) await closeTab(s)
    if (opts.stack === undefined) await stack.stop()
  }
}
