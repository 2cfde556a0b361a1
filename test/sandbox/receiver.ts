/**
 * The sandbox's receiving side: a real ilp-protocol-stream server reached through the connector over
 * BTP, plus an SPSP endpoint that hands out one address and secret per query. Every fulfilled packet
 * is recorded per receiver name, so tests read "what the receiver got" from the receiver itself, and
 * every ILP Prepare that reached the receiver is recorded too (`attempts`), with what it answered.
 *
 * Receivers that misbehave, chosen by the name's prefix (or at any time with `setMode`):
 *
 *   refuse-<name>   accepts connections; its streams' receive max is 0, so the STREAM server rejects
 *                   every money packet with F99 and tells the sender it can take nothing more.
 *   t04-<name>      every money packet rejected with T04 (Insufficient Liquidity), for ever.
 *   f02-<name>      every money packet rejected with F02 (Unreachable), no data.
 *   hang-<name>     money packets never answered: the connector rejects them with R00 when the packet
 *                   it forwarded expires (the sender's expiry minus the connector's 1 s window).
 *   garbage-<name>  money packets fulfilled with the valid fulfillment, so the money really moves
 *                   (it is counted in `total`), but with random bytes instead of the STREAM reply.
 *
 * "Money packet" means a Prepare with an amount above 0 whose condition this receiver can fulfil.
 * Everything else (amount-0 packets that open or close a connection, carry frames, ask for the
 * receive max; unfulfillable rate probes) reaches the STREAM server untouched in every mode, so a
 * sender always gets as far as sending money. The STREAM token in the destination address is
 * encrypted, so the SPSP endpoint remembers which name each address it hands out belongs to.
 */
import { createHmac, createHash, randomBytes } from 'node:crypto'
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { deserializeIlpPrepare, deserializeIlpReject, serializeIlpFulfill, deserializeIlpFulfill, serializeIlpReject, type IlpPrepare } from 'ilp-packet'
import BtpPlugin from 'ilp-plugin-btp'
import { createServer as createStreamServer, type Connection, type Server as StreamServer } from 'ilp-protocol-stream'
import type { DataAndMoneyStream } from 'ilp-protocol-stream/dist/src/stream.js'
import '../../src/cli/node-stream-fix.ts'

export interface Packet { at: number; amount: bigint }
/**
 * One ILP Prepare that reached the receiver: when, for how much (receiver units), and what it got:
 * 'fulfilled', a reject code ('F99', 'T04', 'F02', …), or 'unanswered' (a `hang` receiver's).
 */
export interface Attempt { at: number; amount: bigint; code: string }
export interface ReceiverAccount {
  total: bigint
  packets: Packet[]
  connections: number
  spspQueries: number
  /** Every Prepare to this name, money or not, in arrival order. */
  attempts: Attempt[]
  /** What a curious receiver learns of its sender: the addresses its connections announced. */
  sourceAddresses: Set<string>
  /** And the headers of every SPSP query. */
  spspHeaders: Record<string, string | string[] | undefined>[]
}

export type ReceiverMode = 'accept' | 'refuse' | 't04' | 'f02' | 'hang' | 'garbage'
export const FAULT_MODES = ['refuse', 't04', 'f02', 'hang', 'garbage'] as const satisfies readonly ReceiverMode[]

/** The mode a receiver name has by its prefix (`t04-alice` → 't04'); 'accept' for any other name. */
export function modeForName(name: string): ReceiverMode {
  const prefix = name.split('-')[0] ?? ''
  return (FAULT_MODES as readonly string[]).includes(prefix) && name.length > prefix.length ? prefix as ReceiverMode : 'accept'
}

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/
const MAX_RECEIVE = '18446744073709551615'

/** The BTP link between the receiver and the connector, as the receiver's plugin sees it. */
export interface ReceiverLink {
  connected: boolean
  /** How many times the link came up after the first connect (each reconnect to the connector). */
  reconnects: number
  lastConnectAt: number
  lastDisconnectAt: number
}

export interface Receiver {
  spspBase: string
  assetCode: string
  assetScale: number
  account(name: string): ReceiverAccount
  /**
   * Delays every reply (fulfil or reject) by `ms` after the money is counted, so a sender sees its
   * packet in flight that long (tests kill a worker in that window). 0 turns it off.
   */
  holdReplies(ms: number): void
  /**
   * Puts receiver `name` into `mode` from now on, whatever its prefix says (a `t04-x` can be made to
   * accept); null goes back to the mode its prefix gives. Takes effect on the next packet, also on
   * connections already open. A sender learns a `refuse` from the reply to its next packet of any
   * amount: if that is the amount-0 packet ilp-protocol-stream sends after its last money packet, the
   * sender is told it can send nothing more and sends no money packet, so it never sees an F99.
   */
  setMode(name: string, mode: ReceiverMode | null): void
  /** The mode `name` is in now. */
  modeOf(name: string): ReceiverMode
  readonly link: Readonly<ReceiverLink>
  /** Resolves with the time the link came up after `since` (ms epoch), or rejects after `timeoutMs`. */
  whenConnected(since: number, timeoutMs?: number): Promise<number>
  stop(): Promise<void>
}

type Handler = (data: Buffer) => Promise<Buffer>
interface Issued { name: string; fulfillmentKey: Buffer; server: string }

const hmac = (key: Buffer, data: Buffer | string): Buffer => createHmac('sha256', key).update(data).digest()

export async function startReceiver(opts: { btpUrl: string; spspPort: number; assetCode: string; assetScale: number }): Promise<Receiver> {
  const accounts = new Map<string, ReceiverAccount>()
  const account = (name: string): ReceiverAccount => {
    let found = accounts.get(name)
    if (found === undefined) {
      found = { total: 0n, packets: [], connections: 0, spspQueries: 0, attempts: [], sourceAddresses: new Set(), spspHeaders: [] }
      accounts.set(name, found)
    }
    return found
  }
  const overrides = new Map<string, ReceiverMode>()
  const modeOf = (name: string): ReceiverMode => overrides.get(name) ?? modeForName(name)
  /** STREAM token (the address's segment after the server's own) → the name it was issued for. */
  const issued = new Map<string, Issued>()
  /** Open streams per name, so that a mode change reaches connections already open. */
  const live = new Map<string, Set<DataAndMoneyStream>>()

  // Reconnect soon after the connector comes back (the library's default waits up to 5 s between tries).
  const plugin = new BtpPlugin({ server: opts.btpUrl, reconnectIntervals: [0, 100, 250, 500, 1000] })
  const link: ReceiverLink = { connected: false, reconnects: 0, lastConnectAt: 0, lastDisconnectAt: 0 }
  let firstConnect = true
  plugin.on('connect', () => {
    link.connected = true
    link.lastConnectAt = Date.now()
    if (!firstConnect) link.reconnects++
    firstConnect = false
  })
  plugin.on('disconnect', () => {
    link.connected = false
    link.lastDisconnectAt = Date.now()
  })

  let holdMs = 0
  const register = plugin.registerDataHandler.bind(plugin)
  plugin.registerDataHandler = (handler: Handler) => {
    register(async (data: Buffer) => {
      const reply = await withFaults(data, handler)
      if (reply === 'hang') return new Promise<Buffer>(() => undefined) // never answered
      if (holdMs > 0) await new Promise((r) => setTimeout(r, holdMs))
      return reply
    })
  }

  /** The STREAM server's answer to `data`, or the fault the receiver's mode puts in its place. */
  async function withFaults(data: Buffer, handler: Handler): Promise<Buffer | 'hang'> {
    let prepare: IlpPrepare
    try {
      prepare = deserializeIlpPrepare(data)
    } catch {
      return handler(data)
    }
    // The token is the segment after the server's own address (a sender may append more segments).
    const found = prepare.destination.split('.').map((segment) => issued.get(segment)).find((i) => i !== undefined)
    if (found === undefined) return handler(data)
    const amount = BigInt(prepare.amount)
    const attempt: Attempt = { at: Date.now(), amount, code: 'pending' }
    account(found.name).attempts.push(attempt)
    const mode = modeOf(found.name)
    const money = amount > 0n && createHash('sha256').update(hmac(found.fulfillmentKey, prepare.data)).digest().equals(prepare.executionCondition)
    const reject = (code: string, message: string): Buffer => {
      attempt.code = code
      return serializeIlpReject({ code, message, triggeredBy: found.server, data: Buffer.alloc(0) })
    }
    if (money && mode === 't04') return reject('T04', 'Insufficient liquidity')
    if (money && mode === 'f02') return reject('F02', 'Unreachable')
    if (money && mode === 'hang') {
      attempt.code = 'unanswered'
      return 'hang'
    }
    let reply = await handler(data)
    if (reply[0] === 13) {
      attempt.code = 'fulfilled'
      if (money && mode === 'garbage') {
        const fulfill = deserializeIlpFulfill(reply)
        reply = serializeIlpFulfill({ fulfillment: fulfill.fulfillment, data: randomBytes(Math.max(32, fulfill.data.length)) })
      }
    } else {
      try {
        attempt.code = deserializeIlpReject(reply).code
      } catch {
        attempt.code = 'invalid'
      }
    }
    return reply
  }

  /** Sets a stream's receive max for its name's mode: 0 more for `refuse`, unlimited otherwise. */
  function applyMode(s: DataAndMoneyStream, mode: ReceiverMode): void {
    if (!s.isOpen()) return
    if (mode === 'refuse') {
      // The library never lowers a receive max; the receiver's own (protected) limit is set to what it
      // has received, so its next reply tells the sender it can take nothing more, as refuse- does.
      const inner = s as unknown as { _receiveMax: unknown; _totalReceived: unknown }
      inner._receiveMax = inner._totalReceived
    } else {
      s.setReceiveMax(MAX_RECEIVE)
    }
  }

  // The receiver never sends money: a fixed rate skips the probe its connections would otherwise run
  // toward the sender whenever they send frames back, which fails once the sender has left.
  const stream: StreamServer = await createStreamServer({ plugin, exchangeRate: 1 })
  stream.on('connection', (conn: Connection) => {
    const name = conn.connectionTag ?? ''
    if (!NAME.test(name)) {
      conn.destroy().catch(() => undefined)
      return
    }
    account(name).connections++
    // A server connection that needs to send frames back (e.g. after the sender closed its stream)
    // probes the path toward a sender that may already be gone; that failure is the sender's
    // business, not a reason to crash the receiver.
    conn.on('error', () => undefined)
    // The 'stream' listener must be attached synchronously or early streams are missed.
    conn.on('stream', (s: DataAndMoneyStream) => {
      // A refusing receiver leaves the receive max at 0: the STREAM server rejects every money packet.
      if (modeOf(name) !== 'refuse') s.setReceiveMax(MAX_RECEIVE)
      let set = live.get(name)
      if (set === undefined) live.set(name, set = new Set())
      set.add(s)
      const forget = (): void => { set.delete(s) }
      s.once('close', forget)
      s.once('end', forget)
      s.on('error', () => undefined) // destroyed with its connection; see above
      s.on('money', (amount: string) => {
        const a = account(name)
        // The sender's address, from its ConnectionNewAddress frame (the library keeps it here).
        const announced = (conn as unknown as { _destinationAccount?: string })._destinationAccount
        if (announced !== undefined) a.sourceAddresses.add(announced)
        const value = BigInt(amount)
        a.total += value
        a.packets.push({ at: Date.now(), amount: value })
      })
    })
  })

  const http: Server = createHttpServer((req, res) => { route(req, res) })
  function route(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x')
    res.setHeader('Access-Control-Allow-Origin', '*')
    res.setHeader('Access-Control-Allow-Headers', 'web-monetization-id')
    if (req.method === 'OPTIONS') { res.writeHead(204).end(); return }
    const totals = /^\/_totals\/([^/]+)$/.exec(url.pathname)
    if (totals !== null) {
      const a = account(totals[1] ?? '')
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      res.end(JSON.stringify({ total: a.total.toString(), packets: a.packets.length, assetCode: opts.assetCode, assetScale: opts.assetScale }))
      return
    }
    const gone = /^\/gone\/([^/]+)$/.exec(url.pathname)
    if (gone !== null) {
      account(gone[1] ?? '').spspQueries++
      res.writeHead(404, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ id: 'InvalidReceiverError', message: 'Invalid receiver ID' }))
      return
    }
    const name = url.pathname.slice(1)
    if (!NAME.test(name) || req.method !== 'GET') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    account(name).spspQueries++
    account(name).spspHeaders.push({ ...req.headers })
    const { destinationAccount, sharedSecret } = stream.generateAddressAndSecret(name)
    const dot = destinationAccount.lastIndexOf('.')
    issued.set(destinationAccount.slice(dot + 1), {
      name,
      fulfillmentKey: hmac(sharedSecret, 'ilp_stream_fulfillment'),
      server: destinationAccount.slice(0, dot),
    })
    res.writeHead(200, { 'content-type': 'application/spsp4+json', 'cache-control': 'no-cache' })
    res.end(JSON.stringify({ destination_account: destinationAccount, shared_secret: sharedSecret.toString('base64') }))
  }
  await new Promise<void>((resolve) => http.listen(opts.spspPort, '127.0.0.1', resolve))

  return {
    spspBase: `http://127.0.0.1:${opts.spspPort}`,
    assetCode: opts.assetCode,
    assetScale: opts.assetScale,
    account,
    holdReplies(ms) { holdMs = ms },
    setMode(name, mode) {
      if (mode === null) overrides.delete(name)
      else overrides.set(name, mode)
      for (const s of live.get(name) ?? []) applyMode(s, modeOf(name))
    },
    modeOf,
    link,
    async whenConnected(since, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      while (!(link.connected && link.lastConnectAt >= since)) {
        if (Date.now() > deadline) throw new Error(`the receiver did not reconnect to the connector within ${timeoutMs} ms`)
        await new Promise((r) => setTimeout(r, 10))
      }
      return link.lastConnectAt
    },
    async stop() {
      http.closeAllConnections()
      await new Promise<void>((resolve) => http.close(() => resolve()))
      // Closing politely sends a ConnectionClose to every sender; senders that are gone (a killed
      // worker, a closed browser) make that fail or hang. Best effort, bounded.
      await Promise.race([stream.close().catch(() => undefined), new Promise((r) => setTimeout(r, 2000))])
      await plugin.disconnect().catch(() => undefined)
    },
  }
}
