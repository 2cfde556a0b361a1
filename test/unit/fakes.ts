// Fakes shared by the unit tests: a STREAM payer that fulfils on demand (flooring each packet into a
// coarser asset, like the sandbox's USD 9 → 6 path), visit deps, the ledger's and storage's parts in
// memory, a monetizer over them, and stand-ins for the browser's ports and the uplink's plugin.
import { openDB } from 'idb'
import type { Plugin } from 'ilp-protocol-stream/dist/src/util/plugin-interface'
import { vi } from 'vitest'
import type { Runtime } from 'webextension-polyfill'
import type { Payer, VisitDeps, VisitRecord } from '../../src/background/payment/visit.ts'
import { UNLIMITED_ROOM } from '../../src/background/payment/visit-deps.ts'
import type { PayerOptions } from '../../src/background/payment/stream-payer.ts'
import type { GuardStop } from '../../src/background/payment/packet-guard.ts'
import type { Storage } from 'webextension-polyfill'
import { ok } from '../../src/shared/result.ts'
import { Budget } from '../../src/background/ledger/budget.ts'
import { visitKey, type LedgerEntry, type LedgerRow } from '../../src/background/ledger/ledger.ts'
import { Monetizer, type MonetizerDeps } from '../../src/background/pages/monetizer.ts'
import type { VisitLedger } from '../../src/background/ledger/payment-book.ts'
import type { Log } from '../../src/shared/log.ts'
import { dayKey } from '../../src/shared/period.ts'
import { DEFAULT_BUDGET, DEFAULT_SETTINGS, type Settings } from '../../src/shared/settings.ts'
import { Uplink } from '../../src/background/payment/uplink.ts'
import { spspAnswer, USD6, USD9 } from './fixtures.ts'

export class FakePayer implements Payer {
  sourceAsset = USD9
  sourceAddress = 'test.trickle.wallet.me'
  destinationAsset = { ...USD6 }
  totalSent = 0n
  allowance = 0n
  isOpen = true
  allows: bigint[] = []
  constructor(readonly opts: PayerOptions) {}
  get pending(): bigint { return this.allowance - this.totalSent }
  allow(total: bigint): void {
    if (total <= this.allowance) return
    this.allowance = total
    this.allows.push(total)
  }
  delivered = 0n
  /**
   * What the receiver's stream already held from earlier senders on the same connection (a dead
   * worker's), reported with every reply as STREAM's StreamMaxMoney does; null: the receiver says nothing.
   */
  remoteBase: bigint | null = null
  private get remote(): bigint | null { return this.remoteBase === null ? null : this.remoteBase + this.delivered }
  /** Source units per receiver unit: the sandbox's USD scale 9 → scale 6 path. Each packet is floored. */
  divisor = 1000n
  /** Fulfils up to `amount` of what is allowed and not yet sent (a partial packet). */
  fulfil(amount: bigint): void {
    const part = amount < this.pending ? amount : this.pending
    if (part <= 0n || !this.isOpen) return
    this.totalSent += part
    this.delivered += part / this.divisor
    this.opts.onFulfilled(part, this.delivered, this.remote)
  }
  /** Fulfils everything allowed so far, as the receiver would. */
  fulfilAll(): void {
    const amount = this.allowance - this.totalSent
    if (amount <= 0n) return
    this.totalSent += amount
    this.delivered += amount / this.divisor
    this.opts.onFulfilled(amount, this.delivered, this.remote)
  }
  /** The worker that owned it died: no more allowances take effect. */
  freeze(): void {
    this.allow = () => undefined
  }
  /** What a packet guard would say may have left (unset: the payer cannot tell). */
  exposure?: bigint
  die(reason: string, stop?: GuardStop): void {
    this.isOpen = false
    this.opts.onClosed(reason, stop)
  }
  async close(): Promise<boolean> {
    this.isOpen = false
    return this.pending === 0n
  }
}

/**
 * Visit deps over fakes: every receiver answers SPSP, every payer is a FakePayer (kept in `payers`,
 * in the order they were opened, each first shown to `opts.onPayer`), and every record and entry is
 * kept. `overrides` replace any of the deps.
 */
export function harness(overrides: Partial<VisitDeps> = {}, opts: { onPayer?: (payer: FakePayer) => void } = {}) {
  const payers: FakePayer[] = []
  const saved: VisitRecord[] = []
  const spspCalls: string[] = []
  const entries: LedgerEntry[] = []
  const deps: VisitDeps = {
    uplinkConfigured: () => true,
    connectPlugin: async () => fakePlugin(),
    reportUplinkConnected: () => undefined,
    querySpsp: async (url) => {
      spspCalls.push(url)
      return ok(spspAnswer(url))
    },
    openPayer: async (payerOpts) => {
      const p = new FakePayer(payerOpts)
      opts.onPayer?.(p)
      payers.push(p)
      return p
    },
    uplinkAsset: () => USD9,
    ratePerHour: () => 360_000_000n,
    now: () => Date.now(),
    // A visit on its own: no budget, no tab meter and every redirect allowed, said so explicitly.
    room: () => ({ room: UNLIMITED_ROOM, limit: 'budget' }),
    tabRoom: () => UNLIMITED_ROOM,
    accrualChanged: () => undefined,
    limitReason: () => 'The budget is used up.',
    permits: () => true,
    save: async (record) => { saved.push(record) },
    // Entries are kept; the record goes through `save` as it is at the time (a test may replace it).
    record: async (record, entry) => {
      entries.push(entry)
      await deps.save(record)
    },
    learnt: () => undefined,
    knownQuantum: () => null,
    emit: () => undefined,
    phaseChanged: () => undefined,
    ...overrides,
  }
  return { deps, payers, saved, spspCalls, entries }
}

/**
 * Pays for `seconds` on fake timers: each second every payer is fulfilled and the clock moves on by
 * a second; at the end what the last second allowed is fulfilled too.
 */
export async function paySeconds(h: ReturnType<typeof harness>, seconds: number): Promise<void> {
  for (let s = 0; s < seconds; s++) {
    for (const p of h.payers) p.fulfilAll()
    await vi.advanceTimersByTimeAsync(1000)
  }
  for (const p of h.payers) p.fulfilAll()
}


/** An in-memory browser.storage area (get with a key, all, or null; set; remove). */
export function memoryArea(): Storage.StorageArea {
  const data: Record<string, unknown> = {}
  return {
    get: async (keys?: null | string) => (keys === null || keys === undefined ? { ...data } : { [keys]: data[keys] }),
    set: async (items: Record<string, unknown>) => { Object.assign(data, items) },
    remove: async (key: string) => { Reflect.deleteProperty(data, key) },
  } as unknown as Storage.StorageArea
}

/** A storage area that cannot be read (a damaged profile): every get and set rejects. */
export function unreadableArea(): Storage.StorageArea {
  return {
    get: () => Promise.reject(new Error('IO error: disk')),
    set: () => Promise.reject(new Error('must not be written')),
    remove: () => Promise.resolve(),
  } as unknown as Storage.StorageArea
}

/**
 * Writes a ledger database as the first build (schema version 1) left it, holding `rows` and
 * `visits` as stored, for the upgrade and its repairs to read.
 */
export async function firstSchemaDatabase(name: string, rows: Record<string, unknown>[], visits: Record<string, unknown>[] = []): Promise<void> {
  const db = await openDB(name, 1, {
    upgrade(d) {
      d.createObjectStore('days', { keyPath: 'id' }).createIndex('day', 'day')
      d.createObjectStore('visits', { keyPath: 'key' })
    },
  })
  for (const r of rows) await db.put('days', r)
  for (const v of visits) await db.put('visits', v)
  db.close()
}

/** The ledger's part that visits use, in memory: records by key, and every entry in order. */
export class MemoryLedger implements VisitLedger {
  readonly visits = new Map<string, VisitRecord>()
  readonly entries: LedgerEntry[] = []
  async saveVisit(record: VisitRecord): Promise<void> { this.visits.set(visitKey(record), structuredClone(record)) }
  async record(entry: LedgerEntry, visit: VisitRecord | null, removeVisit = false): Promise<void> {
    this.entries.push(entry)
    if (visit === null) return
    if (removeVisit) this.visits.delete(visitKey(visit))
    else this.visits.set(visitKey(visit), structuredClone(visit))
  }
  async removeVisit(record: Pick<VisitRecord, 'tabId' | 'input'>): Promise<void> { this.visits.delete(visitKey(record)) }
  async loadVisits(): Promise<VisitRecord[]> { return [...this.visits.values()].map((r) => structuredClone(r)) }
  readonly quarantined: { key: string; value: unknown; reason: string }[] = []
  async quarantineVisit(key: string, value: unknown, reason: string): Promise<void> {
    this.visits.delete(key)
    this.quarantined.push({ key, value, reason })
  }
  /** Confirmed and unconfirmed source units, as the budget counts them. */
  get spent(): bigint { return this.entries.reduce((s, e) => s + e.sent + e.unconfirmed, 0n) }
  /** The entries as ledger rows (one per entry; the budget only sums them). */
  rows(): LedgerRow[] {
    return this.entries.map((e, i) => ({
      id: String(i), day: dayKey(e.at, 'UTC'), site: e.site, receiver: e.receiver, source: e.source, destination: e.destination,
      sent: e.sent.toString(), delivered: e.delivered.toString(), unconfirmed: e.unconfirmed.toString(), ms: e.ms, packets: e.packets,
    }))
  }
}

export const quiet: Log = { info: () => undefined, warn: () => undefined, error: () => undefined }

/** A monetizer over visit deps `h`, with a budget (default: plenty) and settings that tests may change. */
export function monetizerWorld(h: ReturnType<typeof harness>, opts: {
  ledger?: MemoryLedger
  /** What the monetizer writes through, if not straight to `ledger` (a worker that can die). */
  through?: VisitLedger
  settings?: Partial<Settings>
  attention?: (w: number | undefined) => string | null
  headerPolicy?: MonetizerDeps['headerPolicy']
} = {}) {
  const ledger = opts.ledger ?? new MemoryLedger()
  const state = { settings: { ...DEFAULT_SETTINGS, budget: { ...DEFAULT_BUDGET, amount: '1000' }, ...opts.settings } }
  const budget = new Budget({ settings: () => state.settings, asset: () => USD9, now: () => h.deps.now(), dayOf: (at) => dayKey(at, 'UTC') })
  budget.load(ledger.rows())
  const m = new Monetizer({ visit: h.deps, ledger: opts.through ?? ledger, budget, settings: () => state.settings, attention: opts.attention, headerPolicy: opts.headerPolicy, log: quiet })
  return { m, ledger, budget, state }
}

/** A worker's way to the ledger: once it is killed, nothing it writes lands (and nothing resolves). */
export class Mortal implements VisitLedger {
  alive = true
  /** How many of the next ledger writes fail (storage full, a disk error): each rejects, writing nothing. */
  failNext = 0
  constructor(private readonly inner: MemoryLedger) {}
  private gate<T>(f: () => Promise<T>): Promise<T> { return this.alive ? f() : new Promise<T>(() => undefined) }
  saveVisit(r: VisitRecord) { return this.gate(() => this.inner.saveVisit(r)) }
  record(e: LedgerEntry, v: VisitRecord | null, remove?: boolean) {
    if (this.alive && this.failNext > 0) {
      this.failNext -= 1
      return Promise.reject(new Error('the write failed'))
    }
    return this.gate(() => this.inner.record(e, v, remove))
  }
  removeVisit(r: Pick<VisitRecord, 'tabId' | 'input'>) { return this.gate(() => this.inner.removeVisit(r)) }
  loadVisits() { return this.gate(() => this.inner.loadVisits()) }
}

/**
 * The first payer's packet left and its reply was lost (the connector executed it): it dies with an
 * unknown outcome; after `advance(1000)` the visit has reopened the same connection. The new payer.
 */
export async function reopenAfterLostReply(h: ReturnType<typeof harness>, advance: (ms: number) => Promise<unknown>): Promise<FakePayer> {
  const first = h.payers[0]
  if (first === undefined) throw new Error('no payer')
  first.exposure = first.allowance
  first.die('lost', { reason: 'lost', refused: false, unknown: true })
  await advance(1000)
  const second = h.payers[1]
  if (second === undefined) throw new Error('no second payer')
  return second
}

/**
 * A BTP plugin that connects at once and carries nothing (STREAM is faked above it). `connected` and
 * `disconnected` say what was done to it; `over` replaces any method (a connect that never ends).
 */
export function fakePlugin(over: Partial<Plugin> = {}): Plugin & { connected: boolean; disconnected: boolean } {
  const p: Plugin & { connected: boolean; disconnected: boolean } = {
    connected: false,
    disconnected: false,
    connect: async () => { p.connected = true },
    disconnect: async () => {
      p.connected = false
      p.disconnected = true
    },
    isConnected: () => p.connected,
    sendData: async () => Buffer.alloc(0),
    registerDataHandler: () => undefined,
    deregisterDataHandler: () => undefined,
    ...over,
  }
  return p
}

/** An uplink that must never be used: there is no network in unit tests. */
export function offlineUplink(): Uplink {
  return new Uplink({ createPlugin: () => { throw new Error('no network in unit tests') }, ildcp: async () => { throw new Error('x') }, now: Date.now })
}

/**
 * One end of a runtime port (named `name`, from `sender`). What is posted on it is kept in `posted`;
 * `send` delivers a message to its listeners as the other end would, and `drop` is the other end
 * going away (the worker restarting, a page closing). `disconnected`: this end let go.
 */
export function fakePort(opts: { name?: string; sender?: Runtime.MessageSender } = {}) {
  const posted: unknown[] = []
  const onMessage: ((m: unknown) => void)[] = []
  const onDisconnect: (() => void)[] = []
  let disconnected = false
  const port = {
    name: opts.name ?? 'trickle/page',
    sender: opts.sender,
    postMessage: (m: unknown) => { posted.push(m) },
    disconnect: () => { disconnected = true },
    onMessage: { addListener: (f: (m: unknown) => void) => { onMessage.push(f) } },
    onDisconnect: { addListener: (f: () => void) => { onDisconnect.push(f) } },
  } as unknown as Runtime.Port
  return {
    port,
    posted,
    send: (m: unknown) => { for (const f of onMessage) f(m) },
    drop: () => { for (const f of onDisconnect) f() },
    get disconnected() { return disconnected },
  }
}
