/**
 * A WebSocket proxy between a BTP client (the extension's uplink) and the connector's wallet account,
 * that can lose things on purpose:
 *
 *   pass            forwards every message both ways (the default);
 *   dropNextReply() forwards the next ILP Prepare that carries money, so the connector executes it and
 *                   the receiver is paid, swallows the Fulfill that comes back, and closes the client's
 *                   socket (1011): the reply was lost after the packet was executed;
 *   kill()          closes every client socket now;
 *   blackhole(on)   accepts sockets but forwards nothing either way (pings are still answered).
 *
 * Each client socket gets an upstream socket of its own, opened with the client's path and Origin
 * header (mini-accounts checks the Origin against its allowedOrigins); the BTP auth is the first BTP
 * message and is relayed like any other. Listens on 127.0.0.1 only.
 */
import type { IncomingMessage } from 'node:http'
import { deserialize as deserializeBtp, Type as BtpType, type ProtocolData } from 'btp-packet'
import { deserializeIlpPrepare } from 'ilp-packet'
import { WebSocket, WebSocketServer, type RawData } from 'ws'

export interface DroppedReply {
  /** When the Prepare went to the connector, and when its Fulfill was swallowed. */
  sentAt: number
  droppedAt: number
  /** The Prepare's amount, in the wallet's units. */
  amount: bigint
  requestId: number
}

export interface FaultProxyStats {
  /** Client sockets accepted, and open now. */
  accepted: number
  open: number
  /** ILP Prepares forwarded to the connector (all, and those with an amount above 0). */
  prepares: number
  moneyPrepares: number
  /** ILP replies forwarded to the client. */
  fulfills: number
  rejects: number
  /** Messages swallowed by the black hole, either way. */
  blackholed: number
}

export interface FaultProxy {
  /** ws://127.0.0.1:<port>: put it in a btp+ws:// URL with the wallet's token. */
  url: string
  port: number
  readonly blackholed: boolean
  readonly stats: Readonly<FaultProxyStats>
  /** Forward everything again: blackhole off, and a pending dropNextReply() disarmed (it rejects). */
  pass(): void
  blackhole(on: boolean): void
  /**
   * Arms the proxy: the Fulfill of the next Prepare carrying money is swallowed and that client's
   * socket closed with 1011. Resolves when that happened. A Reject coming back is forwarded and the
   * proxy stays armed for the next money Prepare.
   */
  dropNextReply(): Promise<DroppedReply>
  /** Closes every client socket now (and its upstream); returns how many there were. */
  kill(code?: number): number
  stop(): Promise<void>
}

interface Pair { client: WebSocket; upstream: WebSocket; queue: { data: RawData; binary: boolean }[] }

/** The ILP packet a BTP message carries, if it is a BTP message or response with an `ilp` part. */
function ilpOf(data: RawData): { type: BtpType; requestId: number; ilp: Buffer } | null {
  try {
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
    const btp = deserializeBtp(buf)
    if (btp.type !== BtpType.TYPE_MESSAGE && btp.type !== BtpType.TYPE_RESPONSE) return null
    const parts = (btp.data as { protocolData?: ProtocolData[] }).protocolData ?? []
    const ilp = parts.find((p) => p.protocolName === 'ilp')?.data
    return ilp === undefined || ilp.length === 0 ? null : { type: btp.type, requestId: btp.requestId, ilp }
  } catch {
    return null
  }
}

/** A close code a server may send (1005, 1006 and 1015 are reserved for reporting). */
const sendable = (code: number): boolean => (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999)

export async function startFaultProxy(opts: { target: string; port?: number }): Promise<FaultProxy> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: opts.port ?? 0, perMessageDeflate: false })
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve)
    wss.once('error', reject)
  })
  const address = wss.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const pairs = new Set<Pair>()
  const stats: FaultProxyStats = { accepted: 0, open: 0, prepares: 0, moneyPrepares: 0, fulfills: 0, rejects: 0, blackholed: 0 }
  let holed = false
  interface Arm { resolve(d: DroppedReply): void; reject(e: Error): void; watching: { pair: Pair; requestId: number; sentAt: number; amount: bigint } | null }
  let arm: Arm | null = null

  const closePair = (pair: Pair, code: number | null): void => {
    if (!pairs.delete(pair)) return
    stats.open = pairs.size
    if (code === null || !sendable(code)) pair.client.terminate()
    else pair.client.close(code)
    pair.upstream.terminate()
  }

  wss.on('connection', (client: WebSocket, req: IncomingMessage) => {
    stats.accepted++
    const origin = req.headers.origin
    const upstream = new WebSocket(`${opts.target}${req.url ?? '/'}`, { perMessageDeflate: false, ...(origin === undefined ? {} : { origin }) })
    const pair: Pair = { client, upstream, queue: [] }
    pairs.add(pair)
    stats.open = pairs.size

    upstream.on('open', () => {
      for (const m of pair.queue) upstream.send(m.data, { binary: m.binary })
      pair.queue = []
    })
    // The connector went away (or refused us): the client sees its socket end the same way.
    upstream.on('close', (code) => closePair(pair, code))
    upstream.on('error', () => closePair(pair, null))
    client.on('close', () => closePair(pair, null))
    client.on('error', () => closePair(pair, null))

    client.on('message', (data, binary) => {
      if (holed) { stats.blackholed++; return }
      const ilp = ilpOf(data)
      if (ilp !== null && ilp.type === BtpType.TYPE_MESSAGE && ilp.ilp[0] === 12) {
        stats.prepares++
        try {
          const amount = BigInt(deserializeIlpPrepare(ilp.ilp).amount)
          if (amount > 0n) {
            stats.moneyPrepares++
            if (arm !== null && arm.watching === null) arm.watching = { pair, requestId: ilp.requestId, sentAt: Date.now(), amount }
          }
        } catch {
          // not a valid Prepare: the connector will say so
        }
      }
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary })
      else if (upstream.readyState === WebSocket.CONNECTING) pair.queue.push({ data, binary })
    })

    upstream.on('message', (data, binary) => {
      if (holed) { stats.blackholed++; return }
      const ilp = ilpOf(data)
      if (ilp !== null && ilp.type === BtpType.TYPE_RESPONSE) {
        const watching = arm?.watching
        if (arm !== null && watching !== undefined && watching !== null && watching.pair === pair && watching.requestId === ilp.requestId) {
          if (ilp.ilp[0] === 13) {
            const fired = arm
            arm = null
            closePair(pair, 1011)
            fired.resolve({ sentAt: watching.sentAt, droppedAt: Date.now(), amount: watching.amount, requestId: watching.requestId })
            return
          }
          arm.watching = null // rejected: wait for the next money Prepare
        }
        if (ilp.ilp[0] === 13) stats.fulfills++
        else if (ilp.ilp[0] === 14) stats.rejects++
      }
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary })
    })
  })

  const disarm = (why: string): void => {
    const pending = arm
    arm = null
    pending?.reject(new Error(why))
  }

  return {
    url: `ws://127.0.0.1:${port}`,
    port,
    get blackholed() { return holed },
    stats,
    pass() {
      holed = false
      disarm('dropNextReply() was cancelled by pass()')
    },
    blackhole(on) { holed = on },
    dropNextReply() {
      disarm('dropNextReply() was called again')
      const dropped = new Promise<DroppedReply>((resolve, reject) => { arm = { resolve, reject, watching: null } })
      dropped.catch(() => undefined) // a caller that never awaits it must not see an unhandled rejection
      return dropped
    },
    kill(code = 1011) {
      const all = [...pairs]
      for (const pair of all) closePair(pair, code)
      return all.length
    },
    async stop() {
      disarm('the proxy stopped')
      for (const pair of [...pairs]) closePair(pair, null)
      await new Promise<void>((resolve) => wss.close(() => resolve()))
    },
  }
}
