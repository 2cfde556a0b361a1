/**
 * A TLS front for a local WebSocket: wss://127.0.0.1:<port> in front of a ws:// upstream, with the
 * test-only self-signed certificate of test/fixtures/public-site (its key protects nothing). It lets
 * a test give Trickle a `btp+wss://` uplink; the browser is told to accept the certificate.
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:https'
import { join } from 'node:path'
import { WebSocket, WebSocketServer } from 'ws'

const CERT_DIR = join(import.meta.dirname, '../fixtures/public-site')

export interface TlsFront {
  /** wss://127.0.0.1:<port>: put it in a btp+wss:// URL with the account's token. */
  url: string
  port: number
  /** Client sockets accepted so far, and open now. */
  readonly accepted: number
  readonly open: number
  stop(): Promise<void>
}

export async function startTlsFront(upstream: string): Promise<TlsFront> {
  const server = createServer({ key: readFileSync(join(CERT_DIR, 'key.pem')), cert: readFileSync(join(CERT_DIR, 'cert.pem')) })
  const wss = new WebSocketServer({ server })
  let accepted = 0
  let open = 0
  wss.on('connection', (client, req) => {
    accepted++
    open++
    client.once('close', () => { open-- })
    // The path and the credentials the client sent go upstream unchanged (BTP authenticates there).
    const up = new WebSocket(upstream + (req.url ?? ''), { headers: req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization } })
    const queue: { data: Buffer; binary: boolean }[] = []
    up.on('open', () => { for (const m of queue.splice(0)) up.send(m.data, { binary: m.binary }) })
    client.on('message', (data: Buffer, binary: boolean) => { if (up.readyState === WebSocket.OPEN) up.send(data, { binary }); else queue.push({ data, binary }) })
    up.on('message', (data: Buffer, binary: boolean) => { if (client.readyState === WebSocket.OPEN) client.send(data, { binary }) })
    const closeBoth = (): void => { client.close(); up.close() }
    client.on('close', closeBoth)
    up.on('close', closeBoth)
    client.on('error', closeBoth)
    up.on('error', closeBoth)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const address = server.address()
  if (address === null || typeof address === 'string') throw new Error('the TLS front has no port')
  return {
    url: `wss://127.0.0.1:${address.port}`,
    port: address.port,
    get accepted() { return accepted },
    get open() { return open },
    async stop() {
      for (const c of wss.clients) c.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((r) => server.close(() => r()))
    },
  }
}
