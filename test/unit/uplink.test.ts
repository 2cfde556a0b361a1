import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Uplink } from '../../src/background/payment/uplink.ts'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Buffer } from 'buffer'
import { deserializeIlpPrepare } from 'ilp-packet'
import { fetch as ildcpFetch, serializeIldcpResponse } from 'ilp-protocol-ildcp'
import { HttpLink } from '../../src/background/payment/http-link.ts'
import type { ParsedUplink } from '../../src/shared/settings.ts'
import { fakePlugin } from './fakes.ts'

const URL_ = 'btp+ws://:secret-token@127.0.0.1:7768'

/** A plugin whose connect() never finishes on its own, like ilp-plugin-btp retrying a refused socket. */
const hangingPlugin = () => fakePlugin({ connect: () => new Promise<void>(() => undefined) })

// The uplink's socket errors, connect timeout and spare plugin all wait on timers: fake time.
beforeEach(() => { vi.useFakeTimers() })
afterEach(() => { vi.useRealTimers() })

describe('the uplink', () => {
  it('reports a refused socket at once, with its reason, and cleans up', async () => {
    const plugin = hangingPlugin()
    const uplink = new Uplink({
      createPlugin: (_server, onSocketError) => { setTimeout(onSocketError, 5); return plugin },
      ildcp: async () => ({ clientAddress: 'x', assetCode: 'USD', assetScale: 9 }),
      now: () => 42,
    })
    uplink.configure(URL_)
    let failure: unknown = null
    uplink.connectPlugin().catch((e: unknown) => { failure = e })
    // The socket error comes 5 ms in: that, not the connect timeout seconds later, must end it.
    await vi.advanceTimersByTimeAsync(5)
    expect(failure).toBeInstanceOf(Error)
    expect((failure as Error).message).toMatch(/refused the connection or could not be reached/)
    expect(plugin.disconnected).toBe(true)
    expect(uplink.state).toMatchObject({ state: 'failed', host: '127.0.0.1:7768' })
    expect(JSON.stringify(uplink.state)).not.toContain('secret-token')
  })

  it('learns its asset through ILDCP and keeps it while reconnecting', async () => {
    const connected = fakePlugin({ connect: async () => undefined })
    const uplink = new Uplink({
      createPlugin: () => connected,
      ildcp: async () => ({ clientAddress: 'test.trickle.wallet.abc', assetCode: 'EUR', assetScale: 6 }),
      now: () => 42,
    })
    expect(uplink.state).toEqual({ state: 'not-configured' })
    uplink.configure(URL_)
    expect(await uplink.probe()).toEqual({ state: 'connected', host: '127.0.0.1:7768', asset: { code: 'EUR', scale: 6 }, address: 'test.trickle.wallet.abc', at: 42 })
    uplink.reportFailed('connector went away')
    expect(uplink.knownAsset).toEqual({ code: 'EUR', scale: 6 })
    uplink.configure(null)
    expect(uplink.knownAsset).toBeNull()
    await expect(uplink.connectPlugin()).rejects.toThrow(/No uplink/)
  })

  it.each([['an empty code', '', 9], ['a code of 65 characters', 'X'.repeat(65), 9], ['a scale of 256', 'USD', 256]])('refuses an announced asset with %s, saying why', async (_name, assetCode, assetScale) => {
    const connected = fakePlugin({ connect: async () => undefined })
    const uplink = new Uplink({ createPlugin: () => connected, ildcp: async () => ({ clientAddress: 'test.x', assetCode, assetScale }), now: () => 42 })
    uplink.configure(URL_)
    expect(await uplink.probe()).toMatchObject({ state: 'failed', reason: expect.stringMatching(/asset Trickle cannot use/) as unknown })
    expect(uplink.knownAsset).toBeNull()
  })

  it('refuses to be pointed at plain ws:// off this machine', () => {
    const uplink = new Uplink({ createPlugin: () => hangingPlugin(), ildcp: async () => ({ clientAddress: 'x', assetCode: 'USD', assetScale: 9 }), now: () => 0 })
    expect(() => uplink.configure('btp+ws://:t@wallet.example')).toThrow()
  })
})

describe('the spare plugin', () => {
  function counting() {
    const made: (ReturnType<typeof fakePlugin> & { server: string })[] = []
    const uplink = new Uplink({
      createPlugin: (up) => {
        const plugin = Object.assign(fakePlugin(), { server: up.url })
        made.push(plugin)
        return plugin
      },
      ildcp: async () => ({ clientAddress: 'x', assetCode: 'USD', assetScale: 9 }),
      now: () => 0,
    })
    return { uplink, made }
  }

  it('hands out a plugin connected in advance, and prepares the next one', async () => {
    const { uplink, made } = counting()
    uplink.configure(URL_)
    await uplink.connectPlugin()
    expect(made.length).toBe(1) // the spare comes a moment later, off the first payment's path
    await vi.advanceTimersByTimeAsync(150)
    expect(made.length).toBe(2)
    expect(made[1]?.connected).toBe(true)
    await uplink.connectPlugin()
    expect(made.length).toBe(2) // the spare was used, not a new connection
    await vi.advanceTimersByTimeAsync(150)
    expect(made.length).toBe(3) // and the next spare is ready
  })

  it('never hands out a spare of an uplink that was replaced, and closes it', async () => {
    const { uplink, made } = counting()
    uplink.configure(URL_)
    await uplink.connectPlugin()
    await vi.advanceTimersByTimeAsync(150)
    uplink.configure('btp+ws://:other-token@127.0.0.1:9999')
    await vi.advanceTimersByTimeAsync(0)
    expect(made[1]?.disconnected).toBe(true)
    await uplink.connectPlugin()
    expect(made[2]?.server).toBe('btp+ws://:other-token@127.0.0.1:9999')
  })
})

describe('an ILP-over-HTTP uplink', () => {
  let server: Server | null = null
  afterEach(async () => {
    server?.closeAllConnections()
    await new Promise((r) => server?.close(r) ?? r(undefined))
    server = null
  })

  /** A peer on 127.0.0.1 that answers every POST with `status` (200: the ILDCP answer). */
  async function peer(status: number): Promise<string> {
    vi.useRealTimers() // real sockets below
    server = createServer((req, res) => {
      const chunks: Buffer[] = []
      req.on('data', (c: Buffer) => chunks.push(c))
      req.on('end', () => {
        res.statusCode = status
        const isIldcp = deserializeIlpPrepare(Buffer.concat(chunks)).destination === 'peer.config'
        res.end(status === 200 && isIldcp ? serializeIldcpResponse({ clientAddress: 'test.peer.alice', assetCode: 'EUR', assetScale: 4 }) : undefined)
      })
    })
    server.listen(0, '127.0.0.1')
    await new Promise((r) => server?.once('listening', r))
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/ilp#token=http-secret`
  }

  const httpUplink = (kinds: ParsedUplink['kind'][]) => new Uplink({
    createPlugin: (up) => {
      kinds.push(up.kind)
      if (up.kind !== 'http') throw new Error('expected the HTTP kind')
      return new HttpLink(up, { fetch })
    },
    ildcp: (plugin) => ildcpFetch((data) => plugin.sendData(data)),
    now: () => 42,
  })

  it('connects through the HTTP plugin and reports what the peer said, as for BTP', async () => {
    const url = await peer(200)
    const kinds: ParsedUplink['kind'][] = []
    const uplink = httpUplink(kinds)
    uplink.configure(url)
    expect(uplink.kind).toBe('http')
    expect(uplink.state).toMatchObject({ state: 'connecting', host: expect.stringMatching(/^127\.0\.0\.1:\d+$/) as unknown })
    expect(await uplink.probe()).toMatchObject({ state: 'connected', asset: { code: 'EUR', scale: 4 }, address: 'test.peer.alice' })
    expect(kinds[0]).toBe('http')
    uplink.configure(null)
  })

  it.each([[401, /Could not connect to the uplink: the peer refused the token \(HTTP 401\)/], [404, /HTTP 404/], [418, /refused the request \(HTTP 418\)/]])(
    'a %i fails the uplink with its reason, and never shows the token', async (status, reason) => {
      const uplink = httpUplink([])
      uplink.configure(await peer(status))
      await expect(uplink.connectPlugin()).rejects.toThrow(reason)
      expect(uplink.state).toMatchObject({ state: 'failed', reason: expect.stringMatching(reason) as unknown })
      expect(JSON.stringify(uplink.state)).not.toContain('http-secret')
      uplink.configure(null)
    })
})
