import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Uplink } from '../../src/background/payment/uplink.ts'
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
      createPlugin: (server) => {
        const plugin = Object.assign(fakePlugin(), { server })
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
