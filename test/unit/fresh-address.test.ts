// Each STREAM connection announces an address of its own that says nothing about the uplink's account.
import { Buffer } from 'buffer'
import { describe, expect, it } from 'vitest'
import { deserializeIlpFulfill, serializeIlpFulfill, serializeIlpPrepare } from 'ilp-packet'
import { fetch as ildcpFetch, serializeIldcpResponse } from 'ilp-protocol-ildcp'
import type { Plugin } from 'ilp-protocol-stream/dist/src/util/plugin-interface'
import { ANONYMOUS_PREFIX, FreshAddress } from '../../src/background/payment/fresh-address.ts'

const UPLINK_ADDRESS = 'test.hold.senders.vf7psaM0'

/** An uplink that answers ILDCP with its account's address and fulfils anything else with `data`. */
function uplink(): Plugin & { sent: Buffer[] } {
  const sent: Buffer[] = []
  return {
    sent,
    connect: async () => undefined,
    disconnect: async () => undefined,
    isConnected: () => true,
    registerDataHandler: () => undefined,
    deregisterDataHandler: () => undefined,
    sendData: async (data: Buffer) => {
      sent.push(data)
      if (data.includes(Buffer.from('peer.config'))) return serializeIldcpResponse({ clientAddress: UPLINK_ADDRESS, assetCode: 'USD', assetScale: 9 })
      return serializeIlpFulfill({ fulfillment: Buffer.alloc(32), data: Buffer.from('payload') })
    },
  }
}

describe('a fresh source address per connection', () => {
  it('answers ILDCP with a random address under no account, keeping the asset', async () => {
    const a = new FreshAddress(uplink())
    const b = new FreshAddress(uplink())
    const infoA = await ildcpFetch((d) => a.sendData(d))
    const infoB = await ildcpFetch((d) => b.sendData(d))
    for (const info of [infoA, infoB]) {
      expect(info.clientAddress).toMatch(new RegExp(`^${ANONYMOUS_PREFIX.replace('.', '\\.')}\\.[0-9a-f]{32}$`))
      expect(info.clientAddress).not.toContain('vf7psaM0')
      expect(info).toMatchObject({ assetCode: 'USD', assetScale: 9 })
    }
    expect(infoA.clientAddress).not.toBe(infoB.clientAddress)
    expect(a.address).toBe(infoA.clientAddress)
  })

  it('passes every other packet through unchanged', async () => {
    const inner = uplink()
    const plugin = new FreshAddress(inner)
    const prepare = serializeIlpPrepare({ destination: 'test.receiver.x', amount: '5', executionCondition: Buffer.alloc(32), expiresAt: new Date(Date.now() + 30_000), data: Buffer.from('hi') })
    const reply = await plugin.sendData(prepare)
    expect(inner.sent).toEqual([prepare])
    expect(deserializeIlpFulfill(reply).data.toString()).toBe('payload')
    expect(plugin.address).toBeNull()
  })
})
