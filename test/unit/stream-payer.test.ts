// The STREAM payer against the real ilp-protocol-stream server, over an in-memory link: a receiver
// that says it takes no more (its receive max reached) is seen as refusing, not left "paying" for
// ever; one with no limit is not. The payer reads the library's protected fields for this, so a
// library upgrade that moves them fails here.
import '../../src/cli/node-stream-fix.ts'
import { Buffer } from 'buffer'
import { deserializeIlpPrepare, serializeIlpReject } from 'ilp-packet'
import { serializeIldcpResponse } from 'ilp-protocol-ildcp'
import { createServer, type DataAndMoneyStream } from 'ilp-protocol-stream'
import type { Plugin } from 'ilp-protocol-stream/dist/src/util/plugin-interface'
import { afterEach, describe, expect, it } from 'vitest'
import { StreamPayer } from '../../src/background/payment/stream-payer.ts'

type Handler = (data: Buffer) => Promise<Buffer>

/** One end of a link: ILDCP answered with `address`, every other packet handed to the far end. */
class LinkEnd implements Plugin {
  handler: Handler | null = null
  far: LinkEnd | null = null
  private connected = false
  constructor(private readonly address: string, private readonly asset = { code: 'USD', scale: 9 }) {}
  async connect(): Promise<void> { this.connected = true }
  async disconnect(): Promise<void> { this.connected = false }
  isConnected(): boolean { return this.connected }
  registerDataHandler(handler: Handler): void { this.handler = handler }
  deregisterDataHandler(): void { this.handler = null }
  async sendData(data: Buffer): Promise<Buffer> {
    if (deserializeIlpPrepare(data).destination === 'peer.config') {
      return serializeIldcpResponse({ clientAddress: this.address, assetCode: this.asset.code, assetScale: this.asset.scale })
    }
    const handler = this.far?.handler
    if (handler === undefined || handler === null) return serializeIlpReject({ code: 'F02', message: 'unreachable', triggeredBy: 'test', data: Buffer.alloc(0) })
    return handler(data)
  }
}

function link(receiverAsset?: { code: string; scale: number }): { sender: LinkEnd; receiver: LinkEnd } {
  const sender = new LinkEnd('test.sender')
  const receiver = new LinkEnd('test.receiver', receiverAsset)
  sender.far = receiver
  receiver.far = sender
  return { sender, receiver }
}

const open: StreamPayer[] = []
afterEach(async () => { for (const p of open.splice(0)) await p.close() })

async function pay(receiveMax: number | null, allow: bigint, receiverAsset?: { code: string; scale: number }) {
  const { sender, receiver } = link(receiverAsset)
  const server = await createServer({ plugin: receiver, exchangeRate: 1 })
  server.on('connection', (conn: { on(e: 'stream', f: (s: DataAndMoneyStream) => void): void }) => {
    conn.on('stream', (s) => { s.setReceiveMax(receiveMax ?? Number.MAX_SAFE_INTEGER) })
  })
  const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
  let closed: string | null | undefined
  const payer = await StreamPayer.open({
    plugin: sender, destinationAccount, sharedSecret,
    onFulfilled: () => undefined,
    onClosed: (error) => { closed = error },
  })
  open.push(payer)
  payer.allow(allow)
  // Real time: the real ilp-protocol-stream server and sender pace packets on their own timers and I/O.
  const deadline = Date.now() + 5000
  const arrives = receiveMax === null || BigInt(receiveMax) > allow ? allow : BigInt(receiveMax)
  while (payer.totalSent < arrives && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10))
  await new Promise((r) => setTimeout(r, 100)) // the library's last, amount-0 packet and its reply
  return { payer, closed }
}

describe('a receiver at its receive limit', () => {
  it('is a refusal once everything it would take has arrived', async () => {
    const { payer, closed } = await pay(1000, 5000n)
    expect(payer.totalSent).toBe(1000n)
    expect(payer.pending).toBe(4000n) // the library waits for ever: only the payer's refusal tells
    expect(payer.refusal).toMatch(/taking no more money/)
    expect(closed).toBeUndefined()
  })

  it('is not a refusal while it has room, or with no limit', async () => {
    const roomy = await pay(10_000, 5000n)
    expect(roomy.payer.totalSent).toBe(5000n)
    expect(roomy.payer.refusal).toBeNull()
    const unlimited = await pay(null, 5000n)
    expect(unlimited.payer.totalSent).toBe(5000n)
    expect(unlimited.payer.refusal).toBeNull()
  })
})

describe('what a receiver announces', () => {
  it('its asset, when it is one Trickle can store and show', async () => {
    const { payer } = await pay(null, 1000n, { code: 'EUR', scale: 2 })
    expect(payer.destinationAsset).toEqual({ code: 'EUR', scale: 2 })
  })

  it('nothing, when its asset code is too long to store or show: payment goes on, delivery in an unknown asset', async () => {
    const { payer } = await pay(null, 1000n, { code: 'X'.repeat(65), scale: 9 })
    expect(payer.totalSent).toBe(1000n)
    expect(payer.destinationAsset).toBeNull()
  })
})

describe('what the uplink announces', () => {
  it('an asset Trickle cannot store or show: no connection, and the reason', async () => {
    const sender = new LinkEnd('test.sender', { code: 'X'.repeat(65), scale: 9 })
    const receiver = new LinkEnd('test.receiver')
    sender.far = receiver
    receiver.far = sender
    const server = await createServer({ plugin: receiver, exchangeRate: 1 })
    const { destinationAccount, sharedSecret } = server.generateAddressAndSecret()
    await expect(StreamPayer.open({ plugin: sender, destinationAccount, sharedSecret, onFulfilled: () => undefined, onClosed: () => undefined }))
      .rejects.toThrow(/asset Trickle cannot use/)
  })
})
