// The sandbox's fault fixtures do what they claim: a real sandbox network (connector, STREAM receiver,
// uplink fault proxy) and a real ilp-protocol-stream sender in Node, through BTP to the wallet account.
import '../../src/cli/node-stream-fix.ts'
import BtpPlugin from 'ilp-plugin-btp'
import { createConnection, type Connection, type DataAndMoneyStream } from 'ilp-protocol-stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startNetwork, type Network } from '../sandbox/network.ts'
import type { FaultProxy } from '../sandbox/fault-proxy.ts'
import type { Attempt } from '../sandbox/receiver.ts'

let net: Network
let proxy: FaultProxy
beforeAll(async () => {
  net = await startNetwork({ uplinkProxy: true })
  if (net.proxy === null) throw new Error('no proxy')
  proxy = net.proxy
})
afterAll(async () => { await net?.stop() })

// Real time throughout: a real connector, receiver and proxy answer over sockets fake timers cannot drive.
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
// Well inside vitest's 5 s test timeout, so a wait that never ends says what it was waiting for.
async function until<T>(what: string, fn: () => T | undefined, ms = 2000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = fn()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

interface Sender {
  conn: Connection
  stream: DataAndMoneyStream
  plugin: BtpPlugin
  openedAt: number
  /** The connection's error, and when it came. */
  error: { message: string; at: number } | null
  disconnects: number
  /**
   * Whether the connection's send loop has stopped. ilp-protocol-stream follows its last money packet
   * with one more packet of amount 0 (its own frames) before it stops, so `totalSent` reaching a
   * target does not mean the sender is done: that packet may still be on its way.
   */
  idle(): boolean
  close(): Promise<void>
}

/** A STREAM sender paying `name` through the wallet account (or `url`), as the CLI does in Node. */
async function sender(name: string, opts: { url?: string; expiryMs?: number } = {}): Promise<Sender> {
  const plugin = new BtpPlugin({ server: opts.url ?? net.directUplinkUrl })
  await plugin.connect()
  const spsp = await (await fetch(`${net.receiver.spspBase}/${name}`)).json() as { destination_account: string; shared_secret: string }
  const { expiryMs } = opts
  const conn = await createConnection({
    plugin,
    destinationAccount: spsp.destination_account,
    sharedSecret: Buffer.from(spsp.shared_secret, 'base64'),
    exchangeRate: 1,
    slippage: 1,
    ...(expiryMs === undefined ? {} : { getExpiry: () => new Date(Date.now() + expiryMs) }),
  })
  const stream = conn.createStream()
  const s: Sender = {
    conn, stream, plugin, openedAt: Date.now(), error: null, disconnects: 0,
    idle: () => !(conn as unknown as { looping: boolean }).looping,
    async close() {
      stream.destroy()
      await Promise.race([conn.destroy().catch(() => undefined), sleep(500)])
      await plugin.disconnect().catch(() => undefined)
    },
  }
  stream.on('error', () => undefined)
  conn.on('error', (e: Error) => { s.error ??= { message: e.message, at: Date.now() } })
  plugin.on('disconnect', () => { s.disconnects++ })
  return s
}

const money = (name: string): Attempt[] => net.receiver.account(name).attempts.filter((a) => a.amount > 0n)
// 1 000 000 wallet units (scale 9) arrive as 1000 receiver units (scale 6).
const CHUNK = 1_000_000

describe('receiver fault modes', () => {
  it('refuse-: every money packet gets F99 and the sender is told the receiver takes nothing', async () => {
    const s = await sender('refuse-x')
    s.stream.setSendMax(CHUNK)
    await until('an F99', () => (money('refuse-x').length > 0 ? true : undefined))
    await sleep(200)
    expect(money('refuse-x').map((a) => a.code)).toEqual(['F99'])
    expect(s.error).toBeNull() // not an error: the stream is blocked, it sends no more money
    expect(s.stream.totalSent).toBe('0')
    expect(net.receiver.account('refuse-x').total).toBe(0n)
    await s.close()
  })

  it('t04-: money packets rejected with T04 for ever; the sender retries with growing delays and smaller packets', async () => {
    const s = await sender('t04-x')
    s.stream.setSendMax(CHUNK)
    await until('four T04s', () => (money('t04-x').length >= 4 ? true : undefined))
    const tries = money('t04-x')
    expect(tries.every((a) => a.code === 'T04')).toBe(true)
    // ilp-protocol-stream waits 100 ms, doubling, and cuts the packet by a third each time.
    const gaps = tries.slice(1).map((a, i) => a.at - (tries[i]?.at ?? 0))
    expect(gaps[2]).toBeGreaterThan(gaps[0] ?? 0)
    expect(tries[1]?.amount).toBeLessThan(tries[0]?.amount ?? 0n)
    expect(s.error).toBeNull()
    expect(net.receiver.account('t04-x').total).toBe(0n)
    await s.close()
  })

  it('f02-: the first money packet gets F02 and the connection fails at once', async () => {
    const s = await sender('f02-x')
    s.stream.setSendMax(CHUNK)
    const error = await until('the connection error', () => s.error ?? undefined, 2000)
    expect(error.message).toMatch(/Code: F02/)
    expect(error.at - s.openedAt).toBeLessThan(1000)
    expect(money('f02-x').map((a) => a.code)).toEqual(['F02'])
    await s.close()
  })

  it('hang-: a money packet is never answered; the connector rejects it with R00 one second before the sender\'s expiry', async () => {
    const s = await sender('hang-x', { expiryMs: 2500 })
    s.stream.setSendMax(CHUNK)
    const error = await until('R00', () => s.error ?? undefined, 4000)
    expect(error.message).toMatch(/Code: R00/)
    const waited = error.at - (money('hang-x')[0]?.at ?? 0)
    expect(waited).toBeGreaterThan(1300)
    expect(waited).toBeLessThan(2400)
    expect(money('hang-x').map((a) => a.code)).toEqual(['unanswered'])
    expect(net.receiver.account('hang-x').total).toBe(0n)
    await s.close()
  })

  it('garbage-: the money moves (valid fulfillment) but the reply cannot be decrypted: the sender\'s connection fails uncounted', async () => {
    const s = await sender('garbage-x')
    s.stream.setSendMax(CHUNK)
    const error = await until('the connection error', () => s.error ?? undefined, 2000)
    expect(error.message).toMatch(/Unable to decrypt/)
    expect(net.receiver.account('garbage-x').total).toBe(1000n)
    expect(money('garbage-x').map((a) => a.code)).toEqual(['fulfilled'])
    expect(s.stream.totalSent).toBe('0') // the sender never learnt that it paid
    await s.close()
  })

  it('setMode flips a receiver between accepting and a fault, on a connection already open', async () => {
    const name = 'flip-x'
    const s = await sender(name)
    const a = net.receiver.account(name)
    s.stream.setSendMax(CHUNK)
    await until('paid', () => (a.total === 1000n ? true : undefined))

    net.receiver.setMode(name, 't04')
    expect(net.receiver.modeOf(name)).toBe('t04')
    s.stream.setSendMax(2 * CHUNK)
    await until('a T04', () => (money(name).some((t) => t.code === 'T04') ? true : undefined))
    net.receiver.setMode(name, null) // back to what the name says: accept
    // After a T04 the sender splits the rest into smaller packets; each loses its fraction of a unit.
    // Wait for the sender to stop, not just for the money: a refusal that lands while its trailing
    // amount-0 packet is in flight is answered on that packet (receive max = received so far), so the
    // sender knows it is blocked and never sends the money packet that would get the F99.
    await until('paid again, the sender idle', () => (s.stream.totalSent === String(2 * CHUNK) && s.idle() ? true : undefined))
    expect(a.total).toBeGreaterThan(1990n)
    const beforeRefusal = a.total
    const triedBefore = money(name).length

    net.receiver.setMode(name, 'refuse')
    s.stream.setSendMax(3 * CHUNK)
    // Its first money packet gets the F99 and the reply's receive max; then it stops, blocked.
    await until('an F99, the sender idle', () => (money(name).some((t) => t.code === 'F99') && s.idle() ? true : undefined))
    expect(money(name).slice(triedBefore).map((t) => t.code)).toEqual(['F99'])
    expect(a.total).toBe(beforeRefusal)
    expect(s.stream.totalSent).toBe(String(2 * CHUNK))
    net.receiver.setMode(name, 'accept')
    s.stream.setSendMax(3 * CHUNK + 1) // a sender learns the new receive max from its next packet's reply
    await until('paid after the refusal', () => (s.stream.totalSent === String(3 * CHUNK + 1) ? true : undefined))
    expect(a.total).toBeGreaterThan(beforeRefusal)
    expect(s.error).toBeNull()
    await s.close()

    // …and a fault name can be made to accept.
    net.receiver.setMode('t04-flip', 'accept')
    const t = await sender('t04-flip')
    t.stream.setSendMax(CHUNK)
    await until('a t04- receiver paid', () => (net.receiver.account('t04-flip').total === 1000n ? true : undefined))
    await t.close()
  })
})

describe('connector restart', () => {
  it('stops and starts the connector on the same ports; the receiver reconnects and a new payment goes through', async () => {
    const before = await sender('restart-x')
    before.stream.setSendMax(CHUNK)
    await until('paid', () => (net.receiver.account('restart-x').total === 1000n ? true : undefined))
    const timing = await net.restartConnector({ downMs: 300 })
    expect(timing.listeningAt - timing.stoppedAt).toBeGreaterThanOrEqual(300)
    expect(timing.receiverAt - timing.listeningAt).toBeLessThan(2000)
    expect(net.receiver.link.connected).toBe(true)
    expect(before.disconnects).toBeGreaterThan(0) // the old connector took the sender's socket with it
    await before.close()

    const after = await sender('restart-y')
    after.stream.setSendMax(CHUNK)
    await until('paid after the restart', () => (net.receiver.account('restart-y').total === 1000n ? true : undefined))
    await after.close()
  })
})

describe('uplink fault proxy', () => {
  it('relays BTP (auth included) and, on dropNextReply, lets the connector execute the packet but loses its Fulfill and closes the socket', async () => {
    const s = await sender('drop-x', { url: net.uplinkUrl })
    const a = net.receiver.account('drop-x')
    s.stream.setSendMax(CHUNK)
    await until('paid through the proxy', () => (a.total === 1000n ? true : undefined))
    const dropped = proxy.dropNextReply()
    s.stream.setSendMax(2 * CHUNK)
    const d = await dropped
    expect(d.amount).toBe(BigInt(CHUNK))
    await until('the socket to close', () => (s.disconnects > 0 ? true : undefined), 1000)
    expect(a.total).toBe(2000n) // the receiver got it…
    expect(s.stream.totalSent).toBe(String(CHUNK)) // …and the sender does not know
    await s.close()
  })

  it('kill() closes every client socket; blackhole() accepts and forwards nothing', async () => {
    const s = await sender('kill-x', { url: net.uplinkUrl })
    expect(proxy.kill()).toBeGreaterThanOrEqual(1)
    await until('the socket to close', () => (s.disconnects > 0 ? true : undefined), 1000)
    await s.close()

    proxy.blackhole(true)
    const holed = new BtpPlugin({ server: net.uplinkUrl })
    const connected = holed.connect().then(() => true, () => false)
    expect(await Promise.race([connected, sleep(500).then(() => 'still waiting')])).toBe('still waiting')
    expect(proxy.stats.blackholed).toBeGreaterThan(0) // its auth went into the hole
    await holed.disconnect().catch(() => undefined)
    proxy.pass()
    const ok = new BtpPlugin({ server: net.uplinkUrl })
    await ok.connect()
    await ok.disconnect()
  })
})
