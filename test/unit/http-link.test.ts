// The ILP-over-HTTP client (http-link.ts) against real HTTP servers on 127.0.0.1: node:http answering
// as each case needs, and ilp-plugin-http's own server side. Every request the server sees is counted,
// so "not retried" is what the server saw, not what the client says.
import { createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Buffer } from 'buffer'
import { afterEach, describe, expect, it } from 'vitest'
import { deserializeIlpPrepare, deserializeIlpReject, serializeIlpFulfill, serializeIlpPrepare, serializeIlpReject, type IlpPrepare } from 'ilp-packet'
import { deserializeIldcpResponse, fetch as ildcpFetch, serializeIldcpResponse } from 'ilp-protocol-ildcp'
import { HttpLink, HttpLinkError, parseRetryAfter } from '../../src/background/payment/http-link.ts'
import { PacketGuard } from '../../src/background/payment/packet-guard.ts'
import { validateUplink, type HttpUplinkConfig } from '../../src/shared/settings.ts'
import { httpPeerPlugin } from '../sandbox/http-peer.ts'
import { freePort } from '../sandbox/ports.ts'

const TOKEN = 'tok-3f9a-secret'
const ILDCP_INFO = { clientAddress: 'test.peer.alice', assetCode: 'USD', assetScale: 9 }
const FULFILLMENT = Buffer.alloc(32, 7)
const CONDITION = createHash('sha256').update(FULFILLMENT).digest()

interface Seen { method: string; headers: IncomingMessage['headers']; body: Buffer }
type Answer = (req: Seen, res: ServerResponse, n: number) => void

const servers: Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise((r) => s.close(r))
  }
})

/** A peer on 127.0.0.1: answers peer.config with ILDCP unless `answer` takes it; counts every request. */
async function peer(answer: Answer, opts: { ildcp?: boolean } = {}) {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const r = { method: req.method ?? '', headers: req.headers, body: Buffer.concat(chunks) }
      let destination = ''
      try { destination = deserializeIlpPrepare(r.body).destination } catch { /* not a Prepare */ }
      if (destination === 'peer.config' && opts.ildcp !== false) {
        res.end(serializeIldcpResponse(ILDCP_INFO))
        return
      }
      seen.push(r)
      answer(r, res, seen.length)
    })
  })
  servers.push(server)
  server.listen(0, '127.0.0.1')
  await new Promise((r) => server.once('listening', r))
  const { port } = server.address() as AddressInfo
  return { seen, endpoint: `http://127.0.0.1:${port}/ilp` }
}

const config = (endpoint: string, more: Partial<HttpUplinkConfig> = {}): HttpUplinkConfig =>
  ({ endpoint, token: TOKEN, peerName: 'trickle-user', account: null, ...more })

const prepare = (amount = '1000', expiresInMs = 30_000): IlpPrepare =>
  ({ amount, destination: 'test.receiver.bob', executionCondition: CONDITION, expiresAt: new Date(Date.now() + expiresInMs), data: Buffer.from('stream') })

const fulfill = (): Buffer => serializeIlpFulfill({ fulfillment: FULFILLMENT, data: Buffer.from('reply') })

async function connected(endpoint: string, more: Partial<HttpUplinkConfig> = {}, maxRequestMs?: number): Promise<HttpLink> {
  const link = new HttpLink(config(endpoint, more), { fetch, ...(maxRequestMs === undefined ? {} : { maxRequestMs }) })
  await link.connect()
  return link
}

/** What sendData gives, as a reply or as the error it threw. */
async function outcome(link: HttpLink, p: IlpPrepare = prepare()): Promise<{ reply: Buffer } | { error: HttpLinkError }> {
  try {
    return { reply: await link.sendData(serializeIlpPrepare(p)) }
  } catch (e) {
    if (!(e instanceof HttpLinkError)) throw e
    return { error: e }
  }
}

describe('ILP over HTTP: packets', () => {
  it('POSTs the Prepare with the bearer token and peer name, and returns the Fulfill', async () => {
    const p = await peer((_req, res) => res.end(fulfill()))
    const link = await connected(p.endpoint)
    const sent = serializeIlpPrepare(prepare())
    const reply = await link.sendData(sent)
    expect(reply.equals(fulfill())).toBe(true)
    expect(p.seen).toHaveLength(1)
    const req = p.seen[0]
    expect(req?.method).toBe('POST')
    expect(req?.headers['content-type']).toBe('application/octet-stream')
    expect(req?.headers.authorization).toBe(`Bearer ${TOKEN}`)
    expect(req?.headers['ilp-peer-name']).toBe('trickle-user')
    expect(req?.body.equals(sent)).toBe(true)
  })

  it('sends no ILP-Peer-Name when none is configured', async () => {
    const p = await peer((_req, res) => res.end(fulfill()))
    const link = await connected(p.endpoint, { peerName: null })
    await link.sendData(serializeIlpPrepare(prepare()))
    expect(p.seen[0]?.headers['ilp-peer-name']).toBeUndefined()
  })

  it.each(['F02', 'T04', 'R00'])('returns the peer\'s %s Reject as it is', async (code) => {
    const rejectBytes = serializeIlpReject({ code, triggeredBy: 'test.peer', message: 'no', data: Buffer.alloc(0) })
    const p = await peer((_req, res) => res.end(rejectBytes))
    const link = await connected(p.endpoint)
    const reply = await link.sendData(serializeIlpPrepare(prepare()))
    expect(deserializeIlpReject(reply).code).toBe(code)
    expect(link.isConnected()).toBe(true)
  })
})

describe('ILP over HTTP: ILDCP', () => {
  it('asks the peer once, and answers STREAM\'s own query from that answer', async () => {
    let ildcpQueries = 0
    const p = await peer(() => undefined, { ildcp: false })
    const server = servers[servers.length - 1]
    server?.removeAllListeners('request')
    server?.on('request', (_req: IncomingMessage, res: ServerResponse) => { ildcpQueries++; res.end(serializeIldcpResponse(ILDCP_INFO)) })
    const link = await connected(p.endpoint)
    expect(link.accountSource).toBe('peer')
    expect(await ildcpFetch((d) => link.sendData(d))).toEqual(ILDCP_INFO)
    expect(ildcpQueries).toBe(1)
  })

  it('uses the address and asset the user entered when the peer rejects ILDCP', async () => {
    const p = await peer((_req, res) => res.end(serializeIlpReject({ code: 'F02', triggeredBy: '', message: 'no ildcp', data: Buffer.alloc(0) })), { ildcp: false })
    const link = await connected(p.endpoint, { account: { address: 'g.wallet.alice', asset: { code: 'EUR', scale: 2 } } })
    expect(link.accountSource).toBe('entered')
    const info = deserializeIldcpResponse(await link.sendData(serializeIlpPrepare({ ...prepare('0'), destination: 'peer.config' })))
    expect(info).toEqual({ clientAddress: 'g.wallet.alice', assetCode: 'EUR', assetScale: 2 })
  })

  it('says what to enter when the peer rejects ILDCP and nothing was entered', async () => {
    const p = await peer((_req, res) => res.end(serializeIlpReject({ code: 'F02', triggeredBy: '', message: '', data: Buffer.alloc(0) })), { ildcp: false })
    await expect(connected(p.endpoint)).rejects.toThrow(/enter the ILP address, asset code and scale/)
  })
})

describe('ILP over HTTP: HTTP errors', () => {
  it.each([
    [401, /refused the token \(HTTP 401\)/],
    [403, /refused the token \(HTTP 403\)/],
    [404, /no such endpoint or account \(HTTP 404\)/],
    [400, /refused the request \(HTTP 400\)/],
  ])('a %i on connect names the problem', async (status, message) => {
    const p = await peer((_req, res) => { res.statusCode = status; res.end('no') }, { ildcp: false })
    const link = new HttpLink(config(p.endpoint), { fetch })
    const e = await link.connect().catch((x: unknown) => x)
    expect(e).toBeInstanceOf(HttpLinkError)
    expect((e as HttpLinkError).kind).toBe('refused')
    expect((e as Error).message).toMatch(message)
    expect(link.isConnected()).toBe(false)
  })

  it('a 401 while paying: nothing moved (a Reject), and the link drops so the uplink says why', async () => {
    const p = await peer((_req, res) => { res.statusCode = 401; res.end() })
    const link = await connected(p.endpoint)
    const result = await outcome(link)
    expect('reply' in result && deserializeIlpReject(result.reply).code).toBe('T01')
    expect(link.isConnected()).toBe(false)
    expect(link.dropped).toMatch(/refused the token/)
    await expect(link.sendData(serializeIlpPrepare(prepare()))).rejects.toThrow(/refused the token/)
    expect(p.seen).toHaveLength(1)
  })

  it.each([500, 502, 504])('a %i is not retried: the Prepare may have been forwarded (throws)', async (status) => {
    const p = await peer((_req, res) => { res.statusCode = status; res.end() })
    const result = await outcome(await connected(p.endpoint))
    expect('error' in result && result.error.kind).toBe('ambiguous')
    expect('error' in result && result.error.message).toMatch(new RegExp(`HTTP ${status}`))
    expect(p.seen).toHaveLength(1)
  })

  it('a 503 without Retry-After is not retried either', async () => {
    const p = await peer((_req, res) => { res.statusCode = 503; res.end() })
    const result = await outcome(await connected(p.endpoint))
    expect('error' in result && result.error.kind).toBe('ambiguous')
    expect(p.seen).toHaveLength(1)
  })

  it('a 503 with Retry-After is not sent again: a proxy may have forwarded it (outcome unknown)', async () => {
    const p = await peer((_req, res, n) => {
      if (n === 1) { res.statusCode = 503; res.setHeader('Retry-After', '1'); res.end(); return }
      res.end(fulfill())
    })
    const result = await outcome(await connected(p.endpoint))
    expect('error' in result && result.error.kind).toBe('ambiguous')
    expect(p.seen).toHaveLength(1)
  })

  it('a 429 with Retry-After is sent again after the wait it asks for, the same bytes', async () => {
    const p = await peer((_req, res, n) => {
      if (n === 1) { res.statusCode = 429; res.setHeader('Retry-After', '1'); res.end(); return }
      res.end(fulfill())
    })
    const started = Date.now()
    const result = await outcome(await connected(p.endpoint))
    expect('reply' in result && result.reply.equals(fulfill())).toBe(true)
    expect(p.seen).toHaveLength(2)
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000)
    expect(p.seen[1]?.body.equals(p.seen[0]?.body ?? Buffer.alloc(0))).toBe(true)
  })

  it.each([408, 409, 425, 451])('a %i is no certain refusal: not retried, outcome unknown', async (status) => {
    const p = await peer((_req, res) => { res.statusCode = status; res.end() })
    const result = await outcome(await connected(p.endpoint))
    expect('error' in result && result.error.kind).toBe('ambiguous')
    expect(p.seen).toHaveLength(1)
  })

  it('a 429 backs off and sends again', async () => {
    const p = await peer((_req, res, n) => {
      if (n < 3) { res.statusCode = 429; res.end(); return }
      res.end(fulfill())
    })
    const result = await outcome(await connected(p.endpoint))
    expect('reply' in result && result.reply[0]).toBe(13)
    expect(p.seen).toHaveLength(3)
  })

  it('a wait longer than the Prepare lives is a Reject of our own, not a late resend', async () => {
    const p = await peer((_req, res) => { res.statusCode = 429; res.setHeader('Retry-After', '120'); res.end() })
    const result = await outcome(await connected(p.endpoint), prepare('1000', 5000))
    expect('reply' in result && deserializeIlpReject(result.reply).code).toBe('T05')
    expect(p.seen).toHaveLength(1)
  })

  it('stops retrying after a bounded number of sends', async () => {
    const p = await peer((_req, res) => { res.statusCode = 429; res.setHeader('Retry-After', '0'); res.end() })
    const result = await outcome(await connected(p.endpoint))
    expect('reply' in result && deserializeIlpReject(result.reply).code).toBe('T05')
    expect(p.seen).toHaveLength(5)
  })

  it('a peer that never answers times out, once, and the outcome is unknown', async () => {
    const p = await peer(() => undefined)
    const result = await outcome(await connected(p.endpoint, {}, 300))
    expect('error' in result && result.error.kind).toBe('ambiguous')
    expect('error' in result && result.error.message).toMatch(/no answer from the peer/)
    expect(p.seen).toHaveLength(1)
  })

  it('a connection cut after the request arrived is not retried (unknown)', async () => {
    const p = await peer((_req, res) => { res.socket?.destroy() })
    const result = await outcome(await connected(p.endpoint))
    expect('error' in result && result.error.kind).toBe('ambiguous')
    expect(p.seen).toHaveLength(1)
  })

  it.each([
    ['text', Buffer.from('OK')],
    ['an empty body', Buffer.alloc(0)],
    ['a Prepare', serializeIlpPrepare(prepare())],
    ['a cut Fulfill', fulfill().subarray(0, 20)],
  ])('a 200 with %s is not an ILP reply: unknown, not retried', async (_name, body) => {
    const p = await peer((_req, res) => res.end(body))
    const result = await outcome(await connected(p.endpoint))
    expect('error' in result && result.error.message).toMatch(/not an ILP reply|broke off/)
    expect(p.seen).toHaveLength(1)
  })

  it('a peer that streams a body without end is cut off at the size of an ILP reply, not read whole (unknown)', async () => {
    let written = 0
    let stopped: () => void = () => undefined
    const cut = new Promise<void>((r) => { stopped = r })
    const p = await peer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' })
      const chunk = Buffer.alloc(64 * 1024, 0x0d)
      // Writes as fast as the client reads, until the client goes away (or 64 MiB, which it must never take).
      const pump = (): void => {
        while (written < 64 * 1024 * 1024) {
          written += chunk.length
          if (!res.write(chunk)) { res.once('drain', pump); return }
        }
        res.end()
      }
      res.on('close', () => stopped())
      pump()
    })
    const result = await outcome(await connected(p.endpoint))
    expect('error' in result && result.error.kind).toBe('ambiguous')
    expect('error' in result && result.error.message).toMatch(/not an ILP reply/)
    await cut
    // The client stopped reading after a few chunks: far from all 64 MiB were ever sent.
    expect(written).toBeLessThan(16 * 1024 * 1024)
  })

  it('disconnect() abandons a request under way (its outcome unknown)', async () => {
    const p = await peer(() => undefined)
    const link = await connected(p.endpoint)
    const pending = outcome(link)
    while (p.seen.length === 0) await new Promise((r) => setTimeout(r, 5))
    await link.disconnect()
    const result = await pending
    expect('error' in result && result.error.kind).toBe('ambiguous')
    expect('error' in result && result.error.message).toMatch(/link to the peer is closed/)
  })

  it('never puts the token in an error message', async () => {
    const messages: string[] = []
    for (const status of [400, 401, 403, 404, 500, 503]) {
      const p = await peer((_req, res) => { res.statusCode = status; res.end(`echo ${TOKEN}`) }, { ildcp: false })
      messages.push(String(await new HttpLink(config(p.endpoint), { fetch }).connect().catch((e: unknown) => (e as Error).message)))
    }
    const dead = `http://127.0.0.1:${await freePort()}/ilp`
    messages.push(String(await new HttpLink(config(dead), { fetch }).connect().catch((e: unknown) => (e as Error).message)))
    const p = await peer((_req, res) => res.end(`not ilp ${TOKEN}`))
    const r = await outcome(await connected(p.endpoint))
    messages.push('error' in r ? r.error.message : 'no error')
    expect(messages.filter((m) => m.length > 0)).toHaveLength(8)
    for (const m of messages) expect(m).not.toContain(TOKEN)
  })
})

describe('ILP over HTTP behind the packet guard', () => {
  it('counts a money Prepare whose outcome is unknown as possibly sent, and stops', async () => {
    const p = await peer((_req, res) => { res.statusCode = 500; res.end() })
    const guard = new PacketGuard(await connected(p.endpoint))
    await expect(guard.sendData(serializeIlpPrepare(prepare('7000')))).rejects.toThrow(/HTTP 500/)
    expect(guard.unknown).toBe(7000n)
    expect(guard.stopped).toMatchObject({ unknown: true, uplink: true })
    expect(p.seen).toHaveLength(1)
  })

  it('counts nothing sent for a Reject of our own (a 401), and stops as an uplink failure on the next packet', async () => {
    const p = await peer((_req, res) => { res.statusCode = 401; res.end() })
    const guard = new PacketGuard(await connected(p.endpoint))
    const reply = await guard.sendData(serializeIlpPrepare(prepare('7000')))
    expect(deserializeIlpReject(reply).code).toBe('T01')
    expect(guard.unknown + guard.fulfilled).toBe(0n)
    await expect(guard.sendData(serializeIlpPrepare(prepare('7000')))).rejects.toThrow()
    expect(guard.stopped).toMatchObject({ unknown: false, uplink: true })
    expect(p.seen).toHaveLength(1)
  })
})

describe('ILP over HTTP with ilp-plugin-http as the peer', () => {
  it('pays through the real server side, which listens on 127.0.0.1 only, and refuses a wrong token', async () => {
    const port = await freePort()
    const server = httpPeerPlugin({ port, token: TOKEN })
    const got: IlpPrepare[] = []
    server.plugin.registerDataHandler(async (data: Buffer) => {
      const p = deserializeIlpPrepare(data)
      if (p.destination === 'peer.config') return serializeIldcpResponse(ILDCP_INFO)
      got.push(p)
      return fulfill()
    })
    await server.plugin.connect()
    try {
      const address = await server.listening()
      expect(address).toMatchObject({ address: '127.0.0.1', port })
      const uplink = validateUplink(`http://127.0.0.1:${port}/#token=${TOKEN}`)
      if (!uplink.ok || uplink.value.kind !== 'http') throw new Error('the uplink should parse')
      const link = new HttpLink(uplink.value, { fetch })
      await link.connect()
      expect(link.accountSource).toBe('peer')
      expect(await ildcpFetch((d) => link.sendData(d))).toEqual(ILDCP_INFO)
      const reply = await link.sendData(serializeIlpPrepare(prepare('1234')))
      expect(reply.equals(fulfill())).toBe(true)
      expect(got.map((p) => p.amount)).toEqual(['1234'])
      const wrong = new HttpLink({ ...uplink.value, token: 'wrong' }, { fetch })
      await expect(wrong.connect()).rejects.toThrow(/refused the token \(HTTP 401\)/)
    } finally {
      await server.plugin.disconnect()
    }
  })
})

describe('Retry-After', () => {
  it('reads seconds and HTTP dates, and nothing else', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000)
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000)
    expect(parseRetryAfter('soon', 0)).toBeNull()
    expect(parseRetryAfter(null, 0)).toBeNull()
  })
})
