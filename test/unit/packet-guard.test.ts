// The packet guard: no receiver can cause more than a few packets a second, a refusing receiver is
// stopped, and a packet whose reply was lost counts as possibly sent.
import { Buffer } from 'buffer'
import { EventEmitter } from 'node:events'
import { serializeIlpFulfill, serializeIlpPrepare, serializeIlpReject } from 'ilp-packet'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { FINAL_REJECTS_TO_STOP, GuardStopped, PacketGuard, REJECTS_TO_STOP, type GuardStop } from '../../src/background/payment/packet-guard.ts'

beforeEach(() => { vi.useFakeTimers({ now: Date.UTC(2026, 11, 1) }) })
afterEach(() => { vi.useRealTimers() })

const prepare = (amount: number, expiresInMs = 30_000, destination = 'test.r.x'): Buffer => serializeIlpPrepare({
  amount: String(amount), destination, executionCondition: Buffer.alloc(32, 1), expiresAt: new Date(Date.now() + expiresInMs), data: Buffer.alloc(0),
})
const fulfill = (): Buffer => serializeIlpFulfill({ fulfillment: Buffer.alloc(32, 2), data: Buffer.from('stream reply') })
const reject = (code: string): Buffer => serializeIlpReject({ code, triggeredBy: 'test.r', message: 'no', data: Buffer.from('encrypted stream frames') })

/** A plugin whose every reply `answer` decides (a promise that never settles: no reply). */
class FakePlugin extends EventEmitter {
  sent = 0
  constructor(public answer: (data: Buffer) => Promise<Buffer>) { super() }
  connect = async (): Promise<void> => undefined
  disconnect = async (): Promise<void> => undefined
  isConnected = (): boolean => true
  registerDataHandler = (): void => undefined
  deregisterDataHandler = (): void => undefined
  sendData = (data: Buffer): Promise<Buffer> => { this.sent++; return this.answer(data) }
}

/** Sends as fast as the guard lets it, like ilp-protocol-stream retrying an F99, for `ms`. */
async function hammer(guard: PacketGuard, ms: number): Promise<number> {
  let attempts = 0
  let stopped = false
  const loop = (async () => {
    while (!stopped) {
      attempts++
      try { await guard.sendData(prepare(1000)) } catch (e) { if (e instanceof GuardStopped) return }
    }
  })()
  await vi.advanceTimersByTimeAsync(ms)
  stopped = true
  await vi.advanceTimersByTimeAsync(1000)
  await loop
  return attempts
}

describe('the packet guard', () => {
  it('paces packets: a sender that never waits gets at most a burst and ~3 a second', async () => {
    const plugin = new FakePlugin(async () => fulfill())
    const guard = new PacketGuard(plugin)
    await hammer(guard, 10_000)
    // 4 at once, then one per 300 ms: 4 + 10 000 / 300 ≈ 37 in 10 s
    expect(plugin.sent).toBeGreaterThanOrEqual(30)
    expect(plugin.sent).toBeLessThanOrEqual(4 + Math.ceil(11_000 / 300))
    expect(guard.fulfilled).toBe(BigInt(plugin.sent) * 1000n)
  })

  it(`stops a receiver that rejects with F99 after ${FINAL_REJECTS_TO_STOP} in a row, and says it refused`, async () => {
    const plugin = new FakePlugin(async () => reject('F99'))
    const guard = new PacketGuard(plugin)
    const stops: GuardStop[] = []
    guard.onStop((s) => stops.push(s))
    await hammer(guard, 20_000)
    expect(plugin.sent).toBe(FINAL_REJECTS_TO_STOP)
    expect(stops).toHaveLength(1)
    expect(stops[0]).toMatchObject({ refused: true, unknown: false })
    expect(stops[0]?.reason).toContain('F99')
    expect(guard.exposure).toBe(0n) // every packet was rejected: nothing left
  })

  it(`stops after ${REJECTS_TO_STOP} temporary rejects in a row, as retryable`, async () => {
    const plugin = new FakePlugin(async () => reject('T04'))
    const guard = new PacketGuard(plugin)
    const stops: GuardStop[] = []
    guard.onStop((s) => stops.push(s))
    await hammer(guard, 20_000)
    expect(plugin.sent).toBe(REJECTS_TO_STOP)
    expect(stops[0]).toMatchObject({ refused: false, unknown: false })
  })

  it('does not count F08 (amount too large) as a refusal, and a fulfil resets the run', async () => {
    let n = 0
    const plugin = new FakePlugin(async () => (++n % 3 === 0 ? fulfill() : reject(n % 2 === 0 ? 'F08' : 'F99')))
    const guard = new PacketGuard(plugin)
    await hammer(guard, 3000)
    expect(guard.stopped).toBeNull()
  })

  it('counts a packet as unknown when the uplink\'s socket closes before its reply, and stops', async () => {
    const plugin = new FakePlugin(() => new Promise<Buffer>(() => undefined))
    const guard = new PacketGuard(plugin)
    const sending = guard.sendData(prepare(5000))
    const failed = expect(sending).rejects.toThrow(/closed/)
    await vi.advanceTimersByTimeAsync(10)
    expect(guard.inFlight).toBe(5000n)
    plugin.emit('disconnect')
    await failed
    expect(guard.unknown).toBe(5000n)
    expect(guard.inFlight).toBe(0n)
    expect(guard.exposure).toBe(5000n)
    expect(guard.stopped).toMatchObject({ unknown: true, refused: false })
    await expect(guard.sendData(prepare(1))).rejects.toBeInstanceOf(GuardStopped)
  })

  it('counts a packet as unknown when no reply came well after it expired', async () => {
    const plugin = new FakePlugin(() => new Promise<Buffer>(() => undefined))
    const guard = new PacketGuard(plugin)
    const sending = guard.sendData(prepare(700, 1000))
    const failed = expect(sending).rejects.toThrow(/expired/)
    await vi.advanceTimersByTimeAsync(2999)
    expect(guard.unknown).toBe(0n)
    await vi.advanceTimersByTimeAsync(2)
    await failed
    expect(guard.unknown).toBe(700n)
  })

  it('counts a packet as unknown when the uplink answers with something that is not an ILP reply', async () => {
    const plugin = new FakePlugin(async () => Buffer.from([0x42, 1, 2, 3]))
    const guard = new PacketGuard(plugin)
    await guard.sendData(prepare(300))
    expect(guard.unknown).toBe(300n)
    expect(guard.stopped).toMatchObject({ unknown: true })
  })

  it('sends no money to the connector\'s own addresses (a receiver can point STREAM there): refused here, nothing counted as sent', async () => {
    // peer.config answers anything with a Fulfill, and the connector keeps what it was sent.
    const plugin = new FakePlugin(async () => fulfill())
    const guard = new PacketGuard(plugin)
    let stop: GuardStop | null = null
    guard.onStop((s) => { stop = s })
    for (const destination of ['peer.config', 'peer.route.control', 'self.anything']) {
      const reply = await guard.sendData(prepare(1000, 30_000, destination))
      expect(reply[0]).toBe(14) // a Reject
    }
    expect(plugin.sent).toBe(0)
    expect(guard.fulfilled).toBe(0n)
    expect(guard.unknown).toBe(0n)
    expect(guard.inFlight).toBe(0n)
    // Three final rejects in a row: the receiver is refusing, and the connection stops.
    expect(stop).toMatchObject({ refused: true, unknown: false })
    // STREAM's own ILDCP query (no money) still goes to the uplink.
    const fresh = new PacketGuard(plugin)
    await fresh.sendData(prepare(0, 30_000, 'peer.config'))
    expect(plugin.sent).toBe(1)
  })

  it('keeps a hostile reject message short and free of control characters', async () => {
    const plugin = new FakePlugin(async () => serializeIlpReject({ code: 'F99', triggeredBy: 'x', message: `evil\u0000\n${'a'.repeat(5000)}`, data: Buffer.alloc(0) }))
    const guard = new PacketGuard(plugin)
    await hammer(guard, 3000)
    expect(guard.stopped?.reason.length).toBeLessThan(250)
    expect(guard.stopped?.reason).not.toMatch(/[\u0000-\u001f]/)
  })
})

describe('a closed guard', () => {
  it('drops a packet that was waiting for its token, so nothing leaves after the connection closed', async () => {
    const plugin = new FakePlugin(async () => fulfill())
    const guard = new PacketGuard(plugin)
    for (let i = 0; i < 4; i++) await guard.sendData(prepare(1))
    const late = guard.sendData(prepare(1)) // waits for a token
    const dropped = expect(late).rejects.toBeInstanceOf(GuardStopped)
    guard.close()
    await vi.advanceTimersByTimeAsync(1000)
    await dropped
    expect(plugin.sent).toBe(4)
  })
})

describe('an uplink that is reconnecting', () => {
  it('gets no packet at all (it would be lost), and the connection stops at once', async () => {
    const plugin = new FakePlugin(async () => fulfill())
    plugin.isConnected = () => false
    const guard = new PacketGuard(plugin)
    await expect(guard.sendData(prepare(10))).rejects.toBeInstanceOf(GuardStopped)
    expect(plugin.sent).toBe(0)
    expect(guard.exposure).toBe(0n)
    expect(guard.stopped).toMatchObject({ refused: false, unknown: false })
  })
})

describe('packets without money', () => {
  it('are neither refusals when rejected nor acceptance when fulfilled', async () => {
    let i = 0
    // money F99, then an empty packet fulfilled, then an empty one rejected, and again
    const plugin = new FakePlugin(async (data) => {
      i++
      return data.length > 0 && i % 3 === 2 ? fulfill() : reject('F99')
    })
    const guard = new PacketGuard(plugin)
    await guard.sendData(prepare(100))
    expect(guard.refusal).toMatch(/F99/)
    await guard.sendData(prepare(0)) // fulfilled, carries nothing
    expect(guard.refusal).toMatch(/F99/)
    await guard.sendData(prepare(0)) // rejected, carries nothing
    expect(guard.stopped).toBeNull()
  })
})
