import { describe, expect, it } from 'vitest'
import type { Plugin } from 'ilp-protocol-stream/dist/src/util/plugin-interface'
import { Uplink } from '../../src/background/uplink.ts'

const URL_ = 'btp+ws://:secret-token@127.0.0.1:7768'

/** A plugin whose connect() never finishes on its own, like ilp-plugin-btp retrying a refused socket. */
function hangingPlugin(): Plugin & { disconnected: boolean } {
  const p = {
    disconnected: false,
    connect: () => new Promise<void>(() => undefined),
    disconnect: async () => { p.disconnected = true },
    isConnected: () => false,
    sendData: async () => Buffer.alloc(0),
    registerDataHandler: () => undefined,
    deregisterDataHandler: () => undefined,
  }
  return p
}

describe('the uplink', () => {
  it('reports a refused socket at once, with its reason, and cleans up', async () => {
    const plugin = hangingPlugin()
    const uplink = new Uplink({
      createPlugin: (_server, onSocketError) => { setTimeout(onSocketError, 5); return plugin },
      ildcp: async () => ({ clientAddress: 'x', assetCode: 'USD', assetScale: 9 }),
      now: () => 42,
    })
    uplink.configure(URL_)
    const started = Date.now()
    await expect(uplink.connectPlugin()).rejects.toThrow(/refused the connection or could not be reached/)
    expect(Date.now() - started).toBeLessThan(1000)
    expect(plugin.disconnected).toBe(true)
    expect(uplink.state).toMatchObject({ state: 'failed', host: '127.0.0.1:7768' })
    expect(JSON.stringify(uplink.state)).not.toContain('secret-token')
  })

  it('learns its asset through ILDCP and keeps it while reconnecting', async () => {
    const connected = { ...hangingPlugin(), connect: async () => undefined }
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

  it('refuses to be pointed at plain ws:// off this machine', () => {
    const uplink = new Uplink({ createPlugin: () => hangingPlugin(), ildcp: async () => ({ clientAddress: 'x', assetCode: 'USD', assetScale: 9 }), now: () => 0 })
    expect(() => uplink.configure('btp+ws://:t@wallet.example')).toThrow()
  })
})
