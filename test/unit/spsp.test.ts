// SPSP validation against a real HTTP server on 127.0.0.1: each path serves one good or bad answer.
import { describe, expect, it } from 'vitest'
import { decodeSharedSecret, querySpsp, type SpspStep } from '../../src/background/payment/spsp.ts'
import { ADDRESS, b64, b64url, SECRET } from '../fixtures/receivers.ts'
import { serveReceivers } from './http-receivers.ts'

const receivers = serveReceivers()

describe('SPSP answers that are accepted', () => {
  it.each(['/good', '/rafiki', '/unpadded-b64', '/extra-fields', '/charset', '/redirect-good', '/redirect-chain'])('%s', async (path) => {
    const r = await querySpsp(receivers.base + path)
    if (!r.ok) throw new Error(r.error.message)
    expect(r.value.destinationAccount).toBe(ADDRESS)
    expect(Buffer.from(r.value.sharedSecret).equals(SECRET)).toBe(true)
    expect(r.value.finalUrl).toBe(`${receivers.base}${path.startsWith('/redirect') ? '/good' : path}`)
  })

  it('asks for spsp4+json', async () => {
    let seen: Headers | undefined
    const spy: typeof fetch = async (input, init) => {
      const response = await fetch(input, init)
      seen = response.headers
      return response
    }
    const r = await querySpsp(`${receivers.base}/good`, { fetch: spy })
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
    ['/ten-mb', 'size', true],
    ['/redirect-http', 'redirect', false],
    ['/redirect-loop', 'redirect', false],
  ])('%s fails at %s (retryable: %s)', async (path, step, retryable) => {
    const r = await querySpsp(receivers.base + path)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error.step).toBe(step)
    expect(r.error.retryable).toBe(retryable)
    expect(r.error.message.length).toBeGreaterThan(10)
  })

  // Real time: a real HTTP server holds each socket open, and fake timers cannot drive a socket.
  it('times out a receiver that never answers', async () => {
    const r = await querySpsp(`${receivers.base}/hang`, { timeoutMs: 300 })
    expect(r.ok ? null : r.error.step).toBe('timeout')
  })

  it('times out an answer that never finishes', async () => {
    const r = await querySpsp(`${receivers.base}/hang-body`, { timeoutMs: 300 })
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

describe('redirects as a browser shows them (opaque: no Location)', () => {
  const urlOf = (i: RequestInfo | URL): string => (typeof i === 'string' ? i : i instanceof URL ? i.href : i.url)
  /** A fetch that answers a manual redirect as a browser worker does, and tells the watch where it pointed. */
  function browserLike(report: (from: string, to: string) => void): typeof fetch {
    return async (input, init) => {
      const response = await fetch(input, init)
      const location = response.headers.get('location')
      if (init?.redirect !== 'manual' || location === null) return response
      report(urlOf(input), new URL(location, urlOf(input)).href)
      await response.body?.cancel()
      return { type: 'opaqueredirect', status: 0, ok: false, url: '', headers: new Headers(), body: null } as unknown as Response
    }
  }

  it('follows each hop the browser reports, and checks it against the page\'s rules first', async () => {
    const reported = new Map<string, string>()
    const checked: string[] = []
    const r = await querySpsp(`${receivers.base}/redirect-chain`, {
      fetch: browserLike((from, to) => reported.set(from, to)),
      redirectTarget: async (url) => reported.get(url) ?? null,
      checkHop: (url) => { checked.push(url); return null },
    })
    expect(r.ok).toBe(true)
    expect(checked.at(-1)).toBe(`${receivers.base}/good`)
    expect(checked.length).toBeGreaterThanOrEqual(2)
  })

  it('does not follow a hop the page\'s rules refuse, nor one whose target the browser did not tell', async () => {
    const reported = new Map<string, string>()
    const requested: string[] = []
    const fetchSpy = browserLike((from, to) => reported.set(from, to))
    const counting: typeof fetch = (input, init) => { requested.push(urlOf(input)); return fetchSpy(input, init) }
    const refused = await querySpsp(`${receivers.base}/redirect-good`, { fetch: counting, redirectTarget: async (url) => reported.get(url) ?? null, checkHop: () => 'not for this page' })
    expect(refused).toMatchObject({ ok: false, error: { step: 'redirect', message: 'not for this page', retryable: false } })
    expect(requested).toEqual([`${receivers.base}/redirect-good`])
    const unknown = await querySpsp(`${receivers.base}/redirect-good`, { fetch: fetchSpy, redirectTarget: async () => null })
    expect(unknown).toMatchObject({ ok: false, error: { step: 'redirect', retryable: false } })
    const noWatch = await querySpsp(`${receivers.base}/redirect-good`, { fetch: fetchSpy })
    expect(noWatch).toMatchObject({ ok: false, error: { step: 'redirect' } })
  })
})
