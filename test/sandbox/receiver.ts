/**
 * The sandbox's receiving side: a real ilp-protocol-stream server reached through the connector over
 * BTP, plus an SPSP endpoint that hands out one address and secret per query. Every fulfilled packet
 * is recorded per receiver name, so tests read "what the receiver got" from the receiver itself.
 * A name starting with `refuse-` is a receiver that rejects every packet.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import BtpPlugin from 'ilp-plugin-btp'
import { createServer as createStreamServer, type Connection, type Server as StreamServer } from 'ilp-protocol-stream'
import type { DataAndMoneyStream } from 'ilp-protocol-stream/dist/src/stream.js'
import '../../src/cli/node-stream-fix.ts'

export interface Packet { at: number; amount: bigint }
export interface ReceiverAccount { total: bigint; packets: Packet[]; connections: number; spspQueries: number }

const NAME = /^[a-z0-9][a-z0-9-]{0,63}$/

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
  stop(): Promise<void>
}

export async function startReceiver(opts: { btpUrl: string; spspPort: number; assetCode: string; assetScale: number }): Promise<Receiver> {
  const accounts = new Map<string, ReceiverAccount>()
  const account = (name: string): ReceiverAccount => {
    let found = accounts.get(name)
    if (found === undefined) {
      found = { total: 0n, packets: [], connections: 0, spspQueries: 0 }
      accounts.set(name, found)
    }
    return found
  }

  const plugin = new BtpPlugin({ server: opts.btpUrl })
  let holdMs = 0
  const register = plugin.registerDataHandler.bind(plugin)
  plugin.registerDataHandler = (handler: (data: Buffer) => Promise<Buffer>) => {
    register(async (data: Buffer) => {
      const reply = await handler(data)
      if (holdMs > 0) await new Promise((r) => setTimeout(r, holdMs))
      return reply
    })
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
      // `refuse-<name>` receivers accept connections and reject every packet (receive max stays 0).
      if (!name.startsWith('refuse-')) s.setReceiveMax('18446744073709551615')
      s.on('error', () => undefined) // destroyed with its connection; see above
      s.on('money', (amount: string) => {
        const a = account(name)
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
    const { destinationAccount, sharedSecret } = stream.generateAddressAndSecret(name)
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
