// SPSP validation against a real HTTP server on 127.0.0.1: each path serves one good or bad answer.
import { createServer, type Server } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeSharedSecret, querySpsp, type SpspStep } from '../../src/background/spsp.ts'

const SECRET = Buffer.alloc(32, 7)
const b64 = SECRET.toString('base64')
const b64url = SECRET.toString('base64url') // Rafiki's form: base64url without padding
const ADDRESS = 'test.trickle.receiver.abc.def'
const spsp = (body: unknown, headers: Record<string, string> = {}) => ({
  status: 200,
  headers: { 'content-type': 'application/spsp4+json', 'cache-control': 'no-cache', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
})

type Answer = { status: number; headers: Record<string, string>; body: string } | 'hang' | 'hang-body' | { redirect: string }
const answers: Record<string, Answer> = {
  '/good': spsp({ destination_account: ADDRESS, shared_secret: b64 }),
  '/rafiki': spsp({ destination_account: ADDRESS, shared_secret: b64url, receipts_enabled: false }),
  '/unpadded-b64': spsp({ destination_account: ADDRESS, shared_secret: b64.replace(/=+$/, '') }),
  '/extra-fields': spsp({ destination_account: ADDRESS, shared_secret: b64, balance: { current: '0' }, push: {} }),
  '/charset': spsp({ destination_account: ADDRESS, shared_secret: b64 }, { 'content-type': 'application/spsp4+json; charset=utf-8' }),
  '/404': { status: 404, headers: { 'content-type': 'application/json' }, body: '{"id":"InvalidReceiverError","message":"Invalid receiver ID"}' },
  '/406': { status: 406, headers: {}, body: '' },
  '/429': { status: 429, headers: {}, body: '' },
  '/500': { status: 500, headers: {}, body: 'oops' },
  '/html': { status: 200, headers: { 'content-type': 'text/html' }, body: '<html></html>' },
  '/plain-json': { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ destination_account: ADDRESS, shared_secret: b64 }) },
  '/bad-json': spsp('{"destination_account": '),
  '/array': spsp([1, 2]),
  '/no-destination': spsp({ shared_secret: b64 }),
  '/bad-destination': spsp({ destination_account: 'not an address', shared_secret: b64 }),
  '/bad-prefix': spsp({ destination_account: 'zz.trickle.alice', shared_secret: b64 }),
  '/no-secret': spsp({ destination_account: ADDRESS }),
  '/short-secret': spsp({ destination_account: ADDRESS, shared_secret: Buffer.alloc(31, 1).toString('base64') }),
  '/long-secret': spsp({ destination_account: ADDRESS, shared_secret: Buffer.alloc(33, 1).toString('base64') }),
  '/garbage-secret': spsp({ destination_account: ADDRESS, shared_secret: '!!!not base64!!!' }),
  '/huge': spsp(JSON.stringify({ destination_account: ADDRESS, shared_secret: b64, pad: 'x'.repeat(200_000) })),
  '/hang': 'hang',
  '/hang-body': 'hang-body',
  '/redirect-good': { redirect: '/good' },
  '/redirect-http': { redirect: 'http://wallet.example/good' },
  '/redirect-loop': { redirect: '/redirect-loop' },
}

let server: Server
let base = ''
beforeAll(async () => {
  server = createServer((req, res) => {
    const a = answers[req.url ?? '']
    if (a === undefined) { res.writeHead(404).end(); return }
    if (a === 'hang') return
    if (a === 'hang-body') { res.writeHead(200, { 'content-type': 'application/spsp4+json' }); res.write('{"destination_account":'); return }
    if ('redirect' in a) { res.writeHead(302, { location: a.redirect }).end(); return }
    // Record what the client sent: the tests below check cookies and Accept.
    res.setHeader('x-saw-accept', req.headers.accept ?? '')
    res.setHeader('x-saw-cookie', req.headers.cookie ?? '')
    res.writeHead(a.status, a.headers).end(a.body)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const addr = server.address()
  base = `http://127.0.0.1:${typeof addr === 'object' && addr !== null ? addr.port : 0}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((r) => server.close(() => r()))
})

describe('SPSP answers that are accepted', () => {
  it.each(['/good', '/rafiki', '/unpadded-b64', '/extra-fields', '/charset', '/redirect-good'])('%s', async (path) => {
    const r = await querySpsp(base + path)
    if (!r.ok) throw new Error(r.error.message)
    expect(r.value.destinationAccount).toBe(ADDRESS)
    expect(Buffer.from(r.value.sharedSecret).equals(SECRET)).toBe(true)
    expect(r.value.finalUrl).toBe(`${base}${path === '/redirect-good' ? '/good' : path}`)
  })

  it('asks for spsp4+json', async () => {
    let seen: Headers | undefined
    const spy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      seen = response.headers
      return response
    }
    const r = await querySpsp(`${base}/good`, { fetch: spy })
    expect(r.ok).toBe(true)
    expect(seen?.get('x-saw-accept')).toMatch(/^application\/spsp4\+json/)
    expect(seen?.get('x-saw-cookie')).toBe('')
  })
})

describe('SPSP answers that are refused, each at its step', () => {
  it.each<[string, SpspStep, boolean]>([
    ['/404', 'status', false],
    ['/406', 'status', false],
    ['/429', 'status', true],
    ['/500', 'status', true],
    ['/html', 'content-type', true],
    ['/plain-json', 'content-type', true],
    ['/bad-json', 'json', true],
    ['/array', 'json', true],
    ['/no-destination', 'destination_account', true],
    ['/bad-destination', 'destination_account', true],
    ['/bad-prefix', 'destination_account', true],
    ['/no-secret', 'shared_secret', true],
    ['/short-secret', 'shared_secret', true],
    ['/long-secret', 'shared_secret', true],
    ['/garbage-secret', 'shared_secret', true],
    ['/huge', 'size', true],
    ['/redirect-http', 'redirect', false],
    ['/redirect-loop', 'redirect', false],
  ])('%s fails at %s (retryable: %s)', async (path, step, retryable) => {
    const r = await querySpsp(base + path)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.step).toBe(step)
    expect(r.error.retryable).toBe(retryable)
    expect(r.error.message.length).toBeGreaterThan(10)
  })

  it('times out a receiver that never answers', async () => {
    const r = await querySpsp(`${base}/hang`, { timeoutMs: 300 })
    expect(r.ok ? null : r.error.step).toBe('timeout')
  })

  it('times out an answer that never finishes', async () => {
    const r = await querySpsp(`${base}/hang-body`, { timeoutMs: 300 })
    expect(r.ok ? null : r.error.step).toBe('timeout')
  })

  it('reports an unreachable receiver as a network failure worth retrying', async () => {
    const r = await querySpsp('http://127.0.0.1:1/nothing')
    expect(r.ok ? null : [r.error.step, r.error.retryable]).toEqual(['network', true])
  })
})

describe('shared secret decoding', () => {
  it.each([
    ['base64 padded', b64],
    ['base64 unpadded', b64.replace(/=+$/, '')],
    ['base64url unpadded (Rafiki)', b64url],
    ['base64url padded', b64url + '='],
  ])('decodes %s', (_name, text) => {
    expect(Buffer.from(decodeSharedSecret(text) ?? []).equals(SECRET)).toBe(true)
  })

  it.each([
    ['31 bytes', Buffer.alloc(31).toString('base64')],
    ['33 bytes', Buffer.alloc(33).toString('base64')],
    ['wrong padding', b64url + '=='],
    ['inner padding', 'AAAA=AAA'],
    ['spaces', b64.slice(0, 10) + ' ' + b64.slice(10)],
    ['empty', ''],
  ])('refuses %s', (_name, text) => {
    expect(decodeSharedSecret(text)).toBeNull()
  })
})
