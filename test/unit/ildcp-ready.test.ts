// The BTP link that asks ILDCP while it connects, off the first payment's path (ildcp-ready.ts).
import { Buffer } from 'buffer'
import { deserializeIlpPrepare, serializeIlpPrepare, serializeIlpReject, Type } from 'ilp-packet'
import { fetch as ildcpFetch, serializeIldcpResponse } from 'ilp-protocol-ildcp'
import { describe, expect, it } from 'vitest'
import { IldcpReady } from '../../src/background/payment/ildcp-ready.ts'
import { FreshAddress } from '../../src/background/payment/fresh-address.ts'

const INFO = { clientAddress: 'test.connector.alice', assetCode: 'USD', assetScale: 9 }

/** A plugin that answers ILDCP (or refuses it) and rejects everything else, counting what it was sent. */
function fakePlugin(opts: { answersIldcp: boolean; info?: { clientAddress: string; assetCode: string; assetScale: number } }) {
  const sent: string[] = []
  const listeners = new Map<string, (() => void)[]>()
  let connected = false
  return {
    sent,
    emit: (event: string) => { for (const f of listeners.get(event) ?? []) f() },
    plugin: {
      connect: async () => { connected = true },
      disconnect: async () => { connected = false },
      isConnected: () => connected,
      registerDataHandler: () => undefined,
      deregisterDataHandler: () => undefined,
      on: (event: string, fn: () => void) => { listeners.set(event, [...(listeners.get(event) ?? []), fn]) },
      sendData: async (data: Buffer): Promise<Buffer> => {
        const destination = deserializeIlpPrepare(data).destination
        sent.push(destination)
        if (destination === 'peer.config' && opts.answersIldcp) return serializeIldcpResponse(opts.info ?? INFO)
        return serializeIlpReject({ code: 'F02', message: 'unreachable', triggeredBy: 'test.connector', data: Buffer.alloc(0) })
      },
    },
  }
}

const prepare = (destination: string, amount = '10'): Buffer => serializeIlpPrepare({
  amount, destination, executionCondition: Buffer.alloc(32, 1), expiresAt: new Date(Date.now() + 30_000), data: Buffer.alloc(0),
})

describe('IldcpReady', () => {
  it('asks ILDCP once while connecting, and answers the connection\'s own query from that', async () => {
    const fake = fakePlugin({ answersIldcp: true })
    const link = new IldcpReady(fake.plugin)
    await link.connect()
    expect(fake.sent).toEqual(['peer.config'])
    // Through FreshAddress, as STREAM asks it: the uplink's answer, with the fresh address in it.
    const fresh = new FreshAddress(link, 'abc')
    const info = await ildcpFetch((data) => fresh.sendData(data))
    expect(info).toEqual({ ...INFO, clientAddress: 'private.trickle.abc' })
    expect(fresh.uplinkAddress).toBe(INFO.clientAddress)
    expect(fake.sent).toEqual(['peer.config']) // the connector was not asked again
  })

  it('passes every other packet to the uplink unchanged', async () => {
    const fake = fakePlugin({ answersIldcp: true })
    const link = new IldcpReady(fake.plugin)
    await link.connect()
    const reply = await link.sendData(prepare('test.receiver.bob'))
    expect(reply[0]).toBe(Type.TYPE_ILP_REJECT)
    expect(fake.sent).toEqual(['peer.config', 'test.receiver.bob'])
  })

  it('keeps nothing when the connector does not answer the early question: the connection asks it itself', async () => {
    const fake = fakePlugin({ answersIldcp: false })
    const link = new IldcpReady(fake.plugin)
    await link.connect() // connecting still succeeds: ILDCP failing is STREAM's to report, as before
    expect(link.isConnected()).toBe(true)
    await expect(ildcpFetch((data) => link.sendData(data))).rejects.toThrow()
    expect(fake.sent).toEqual(['peer.config', 'peer.config'])
  })

  it('passes the uplink\'s events on (the packet guard learns of a dead socket)', async () => {
    const fake = fakePlugin({ answersIldcp: true })
    const link = new IldcpReady(fake.plugin)
    let lost = 0
    link.on('disconnect', () => { lost++ })
    fake.emit('disconnect')
    expect(lost).toBe(1)
  })

  it('asks once however often it is connected (STREAM connects the plugin it is given again)', async () => {
    const fake = fakePlugin({ answersIldcp: false })
    const link = new IldcpReady(fake.plugin)
    await link.connect()
    await link.connect()
    expect(fake.sent).toEqual(['peer.config'])
  })

  it('keeps no answer past a closed socket: the reconnected one may reach a connector configured anew', async () => {
    const opts = { answersIldcp: true, info: INFO }
    const fake = fakePlugin(opts)
    const link = new IldcpReady(fake.plugin)
    await link.connect()
    fake.emit('disconnect') // ilp-plugin-btp reconnects by itself; the connector now says scale 2
    opts.info = { ...INFO, assetScale: 2 }
    const info = await ildcpFetch((data) => link.sendData(data))
    expect(info.assetScale).toBe(2)
    expect(fake.sent).toEqual(['peer.config', 'peer.config'])
  })

  it('answers only a query without money: a money Prepare a receiver pointed at peer.config goes to the uplink', async () => {
    const fake = fakePlugin({ answersIldcp: true })
    const link = new IldcpReady(fake.plugin)
    await link.connect()
    await link.sendData(prepare('peer.config', '5000'))
    expect(fake.sent).toEqual(['peer.config', 'peer.config'])
  })
})
