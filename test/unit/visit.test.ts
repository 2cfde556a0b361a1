import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Visit, type VisitPage } from '../../src/background/payment/visit.ts'
import { learnQuantum, scaleQuantum } from '../../src/background/payment/quantum.ts'
import { fakePlugin, harness } from './fakes.ts'
import { visitId } from './fixtures.ts'
import type { SpspFailure } from '../../src/background/payment/spsp.ts'
import { resolvePaymentTarget, type PaymentTarget } from '../../src/shared/pointer.ts'
import { err } from '../../src/shared/result.ts'

const PER_SECOND = 100_000n // 0.36/hour at scale 9

const target: PaymentTarget = (() => {
  const r = resolvePaymentTarget('$wallet.example/alice')
  if (!r.ok) throw new Error('bad fixture')
  return r.value
})()
/** The visit's page: tab `tabId`, paying `target` for site.example. */
const onPage = (tabId = 1): VisitPage => ({ tabId, visitId: visitId(0), target, seenAt: Date.now(), site: 'https://site.example', simulated: false })

/** Lets pending promises and 0 ms timers run without moving the clock much. */
const settle = async () => { await vi.advanceTimersByTimeAsync(0) }

beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }) })
afterEach(() => { vi.useRealTimers() })

describe('a visit pays visible time × rate', () => {
  it('sends the first second at once, then one raise per second that matches the wall clock', async () => {
    const h = harness()
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    const payer = h.payers[0]
    expect(payer?.allows).toEqual([PER_SECOND])
    for (let s = 1; s <= 5; s++) {
      payer?.fulfilAll()
      await vi.advanceTimersByTimeAsync(1000)
    }
    // 5 s visible plus the leading second: exactly 6 s worth, in 6 raises (one per second).
    expect(payer?.allows.length).toBe(6)
    expect(payer?.allowance).toBe(6n * PER_SECOND)
    expect(v.status()).toMatchObject({ kind: 'monetized', phase: 'paying', sent: { value: String(5n * PER_SECOND) } })
  })

  it('gives a connection nothing that a completed storage write has not recorded', async () => {
    let onDisk = 0n
    const violations: string[] = []
    const h = harness({}, {
      onPayer: (p) => {
        const allow = p.allow.bind(p)
        p.allow = (total) => {
          if (total > onDisk) violations.push(`allowed ${total} with ${onDisk} on disk`)
          allow(total)
        }
      },
    })
    h.deps.save = async (record) => {
      await Promise.resolve() // the write takes a moment; it counts once it has landed
      onDisk = BigInt(record.counted)
      h.saved.push(record)
    }
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    for (let i = 0; i < 5; i++) {
      h.payers[0]?.fulfilAll()
      await vi.advanceTimersByTimeAsync(1000)
    }
    expect(h.payers[0]?.allows.length).toBe(6)
    expect(violations).toEqual([])
  })

  it('never stacks allowances while a chunk is still in flight', async () => {
    const h = harness()
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    await vi.advanceTimersByTimeAsync(5000) // nothing fulfilled
    expect(h.payers[0]?.allows).toEqual([PER_SECOND])
    h.payers[0]?.fulfilAll()
    await vi.advanceTimersByTimeAsync(150)
    // The next raise waits a second from that fulfil (packets reach the receiver at least 1 s apart),
    // then catches up on the whole visible time plus the lead: nothing lost, nothing stacked.
    expect(h.payers[0]?.allows).toEqual([PER_SECOND])
    await vi.advanceTimersByTimeAsync(900)
    expect(h.payers[0]?.allows).toEqual([PER_SECOND, 7n * PER_SECOND])
  })

  it('pays nothing while hidden, and no fresh chunk when shown again', async () => {
    const h = harness()
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    const payer = h.payers[0]
    payer?.fulfilAll()
    await vi.advanceTimersByTimeAsync(500)
    v.setVisible(false)
    expect(v.status()).toMatchObject({ phase: 'paused' })
    await vi.advanceTimersByTimeAsync(10_000)
    expect(payer?.allowance).toBe(PER_SECOND)
    v.setVisible(true)
    await settle()
    // 0.5 s visible + the leading second: the lead was already paid, so only half a second more.
    expect(payer?.allowance).toBe(PER_SECOND + PER_SECOND / 2n)
  })

  it('closes the connection after a long pause and reopens it on return without paying twice', async () => {
    const h = harness()
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    h.payers[0]?.fulfilAll()
    v.setVisible(false)
    await vi.advanceTimersByTimeAsync(31_000)
    expect(h.payers[0]?.isOpen).toBe(false)
    v.setVisible(true)
    await settle()
    expect(h.payers.length).toBe(2)
    // Still inside the first (prepaid) second of visible time: the new connection may send nothing yet.
    expect(h.payers[1]?.allowance).toBe(0n)
    await vi.advanceTimersByTimeAsync(1000)
    expect(h.payers[1]?.allowance).toBe(PER_SECOND)
  })
})

describe('a visit survives failures without paying twice', () => {
  it('resumes from a saved record: a restarted worker counts everything ever allowed as sent', async () => {
    const h = harness()
    const v1 = new Visit(onPage(), h.deps)
    v1.setVisible(true)
    await settle()
    for (let i = 0; i < 3; i++) {
      h.payers[0]?.fulfilAll()
      await vi.advanceTimersByTimeAsync(1000)
    }
    // Allowed 4 s (3 s visible + lead), fulfilled 3 s: one second is in flight when the worker dies.
    expect(h.payers[0]?.totalSent).toBe(3n * PER_SECOND)
    const record = h.saved.at(-1)
    expect(record?.counted).toBe(String(4n * PER_SECOND))
    // The worker dies here. A new one builds the visit from storage.
    const h2 = harness()
    const v2 = new Visit(onPage(), h2.deps, record)
    v2.setVisible(true)
    await settle()
    // 3 s visible + lead = 4 s: all of it counted already, so nothing more may leave yet.
    expect(h2.payers[0]?.allowance).toBe(0n)
    await vi.advanceTimersByTimeAsync(1000)
    expect(h2.payers[0]?.allowance).toBe(PER_SECOND)
    const total = (h.payers[0]?.allowance ?? 0n) + (h2.payers[0]?.allowance ?? 0n)
    expect(total).toBe(5n * PER_SECOND) // 4 s visible + lead, across both workers
  })

  it('says when its phase changes with no event for the page (a dead connection → retrying), once per change', async () => {
    let changes = 0
    const h = harness({ phaseChanged: () => { changes++ } })
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    const before = changes
    expect(before).toBeGreaterThan(0) // resolving → connecting
    h.payers[0]?.die('The STREAM connection failed: boom')
    expect(v.status()).toMatchObject({ phase: 'retrying' })
    expect(changes).toBe(before + 1)
    v.setVisible(true) // nothing changes: nothing is said
    expect(changes).toBe(before + 1)
    await v.stop()
    const stopped = changes
    await vi.advanceTimersByTimeAsync(5000)
    expect(changes).toBe(stopped) // a stopped visit is silent
  })

  it('while it tries again, it says so and why, until it pays (no flicker back to "looking up")', async () => {
    const h = harness()
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    h.payers[0]?.die('The STREAM connection failed: boom')
    expect(v.status()).toMatchObject({ phase: 'retrying', reason: expect.stringMatching(/boom[\s\S]*Trying again in/) as unknown })
    await vi.advanceTimersByTimeAsync(1000) // the retry's attempt is under way
    expect(v.status()).toMatchObject({ phase: 'retrying', reason: expect.stringMatching(/boom[\s\S]*Trying again now/) as unknown })
    h.payers[1]?.fulfilAll()
    await settle()
    expect(v.status()).toMatchObject({ phase: 'paying', reason: null })
    await v.stop()
  })

  it('counts a dead connection\'s whole allowance and reconnects after a back-off', async () => {
    const h = harness()
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    h.payers[0]?.die('The STREAM connection failed: boom')
    expect(v.status()).toMatchObject({ phase: 'retrying' })
    await vi.advanceTimersByTimeAsync(1000)
    // The same STREAM connection is reopened (no new SPSP query), to ask the receiver what arrived.
    expect(h.spspCalls.length).toBe(1)
    expect(h.payers[1]?.opts.destinationAccount).toBe(h.payers[0]?.opts.destinationAccount)
    // 1 s visible + lead = 2 s earned; the dead connection's 1 s counts as sent even though it was
    // never fulfilled, so the new one may send 1 s.
    expect(h.payers[1]?.allowance).toBe(PER_SECOND)
    h.payers[1]?.fulfilAll()
    await vi.advanceTimersByTimeAsync(1000)
    expect(h.payers[1]?.allowance).toBe(2n * PER_SECOND)
  })

  it('stops for good on a 4xx SPSP answer and says why', async () => {
    const failure: SpspFailure = { step: 'status', status: 404, message: 'The receiver answered HTTP 404.', retryable: false }
    const h = harness({ querySpsp: async () => err(failure) })
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    await vi.advanceTimersByTimeAsync(120_000)
    expect(v.status()).toMatchObject({ phase: 'failed', reason: failure.message })
    expect(h.payers.length).toBe(0)
  })

  it('backs off on retryable failures and gives up after eight', async () => {
    let calls = 0
    const h = harness({ querySpsp: async () => { calls++; return err({ step: 'status', status: 500, message: 'HTTP 500.', retryable: true }) } })
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    await vi.advanceTimersByTimeAsync(1000)
    expect(calls).toBe(2)
    await vi.advanceTimersByTimeAsync(10 * 60_000)
    expect(calls).toBe(8)
    expect(v.status()).toMatchObject({ phase: 'failed' })
  })

  it('sends nothing when the allowance cannot be recorded', async () => {
    const h = harness({ save: async () => { throw new Error('quota') } })
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    expect(h.payers[0]?.allowance).toBe(0n)
    expect(v.status()).toMatchObject({ phase: 'retrying' })
  })

  it('waits for an uplink instead of failing when none is configured', async () => {
    const h = harness({ uplinkConfigured: () => false })
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    expect(v.status()).toMatchObject({ phase: 'no-uplink' })
    expect(h.spspCalls.length).toBe(0)
  })

  it('never connects for a page that was never visible', async () => {
    const h = harness()
    const v = new Visit(onPage(), h.deps)
    v.setVisible(false)
    await vi.advanceTimersByTimeAsync(5000)
    expect(h.spspCalls.length).toBe(0)
  })
})

describe('packet pacing', () => {
  it('a repeated "visible" snapshot adds no packet: at most one raise a second', async () => {
    const h = harness()
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    h.payers[0]?.fulfilAll()
    await vi.advanceTimersByTimeAsync(300)
    v.setVisible(true)
    await settle()
    expect(h.payers[0]?.allows).toEqual([PER_SECOND])
  })

  it('a tab shown again within the second waits for the second to end before the next raise', async () => {
    const h = harness()
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    h.payers[0]?.fulfilAll()
    await vi.advanceTimersByTimeAsync(1000) // second raise at 1.0 s
    h.payers[0]?.fulfilAll()
    await vi.advanceTimersByTimeAsync(200)
    v.setVisible(false)
    v.setVisible(true)
    await settle()
    expect(h.payers[0]?.allows.length).toBe(2)
    await vi.advanceTimersByTimeAsync(800)
    expect(h.payers[0]?.allows.length).toBe(3)
  })
})

describe('whole receiver units', () => {
  it('learns the receiver\'s unit and sends no dust, whatever the timing', async () => {
    const h = harness()
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    const payer = h.payers[0]
    for (const gap of [1003, 1017, 1250, 1009, 1001, 1733, 1042]) {
      payer?.fulfilAll()
      await vi.advanceTimersByTimeAsync(gap)
    }
    payer?.fulfilAll()
    // After the first (lead) packet, every increment is a whole number of receiver units.
    const increments = (payer?.allows ?? []).map((a, i, all) => a - (all[i - 1] ?? 0n)).slice(1)
    expect(increments.length).toBeGreaterThan(5)
    for (const inc of increments) expect(inc % 1000n).toBe(0n)
    // So the receiver got exactly what was sent, to the unit (the lead second was round too).
    expect(payer?.delivered).toBe((payer?.totalSent ?? 0n) / 1000n)
  })

  it.each([
    [100_000n, 100n, 1000n],       // USD scale 9 → 6
    [100_537n, 100n, 1000n],       // with dust in the sample
    [100_000n, 100_000n, 1n],      // same asset
    [100_000n, 92n, 1000n],        // another currency: nearest power of ten
    [100_000n, 0n, 1_000_000n],    // delivered nothing (no scale known): the next power of ten
    [10_000_000n, 1n, 10_000_000n], // USD scale 9 → 2: a cent
  ])('learnQuantum(%s sent, %s delivered) = %s', (sent, delivered, q) => {
    expect(learnQuantum(sent, delivered, 1n)).toBe(q)
  })

  it('after a packet that delivered nothing, goes straight to a cent of the source asset', () => {
    expect(learnQuantum(100_000n, 0n, 1n, 9)).toBe(10_000_000n)
    expect(learnQuantum(10_000_000n, 1n, 10_000_000n, 9)).toBe(10_000_000n) // a cent-scale receiver
    expect(learnQuantum(10_000_000n, 100n, 10_000_000n, 9)).toBe(100_000n) // a finer one: refined down
  })

  it('uses the unit learnt on an earlier visit for the first packet', async () => {
    // 361,234,567 units an hour: a second is 100,342 units, not a whole number of receiver units.
    const known = harness({ knownQuantum: () => 1000n, ratePerHour: () => 361_234_567n })
    new Visit(onPage(), known.deps).setVisible(true)
    await settle()
    expect(known.payers[0]?.allows).toEqual([100_000n])
    // Another currency: its unit in ours is unknown until a packet says.
    const unknown = harness({ ratePerHour: () => 361_234_567n }, { onPayer: (p) => { p.destinationAsset = { code: 'EUR', scale: 6 } } })
    new Visit(onPage(2), unknown.deps).setVisible(true)
    await settle()
    expect(unknown.payers[0]?.allows).toEqual([100_342n])
  })

  it('knows the unit of a coarser scale of the same currency as soon as it is connected', async () => {
    const h = harness({ ratePerHour: () => 361_234_567n }) // the fake receiver is USD at scale 6
    new Visit(onPage(), h.deps).setVisible(true)
    await settle()
    expect(h.payers[0]?.allows).toEqual([100_000n])
    expect(scaleQuantum({ code: 'USD', scale: 9 }, { code: 'USD', scale: 2 })).toBe(10_000_000n)
    expect(scaleQuantum({ code: 'USD', scale: 9 }, { code: 'USD', scale: 9 })).toBe(1n)
    expect(scaleQuantum({ code: 'USD', scale: 2 }, { code: 'USD', scale: 9 })).toBe(1n)
    expect(scaleQuantum({ code: 'USD', scale: 9 }, null)).toBe(1n)
  })
})

describe('an uplink that is down', () => {
  it('is retried every 2 s at most and never given up on, so payment resumes soon after it is back', async () => {
    let down = true
    let attempts = 0
    const h = harness({
      connectPlugin: async () => {
        attempts++
        if (down) throw new Error('Could not connect to the uplink: it refused the connection')
        return fakePlugin()
      },
    })
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await vi.advanceTimersByTimeAsync(120_000) // two minutes down: far more than eight attempts
    expect(attempts).toBeGreaterThan(50)
    expect(v.status()).toMatchObject({ phase: 'retrying' })
    down = false
    await vi.advanceTimersByTimeAsync(2100)
    expect(h.payers).toHaveLength(1)
    expect(h.payers[0]?.allowance ?? 0n).toBeGreaterThan(0n)
    await v.stop()
  })
})

describe('an attempt and what happens while it runs (found in review of the split)', () => {
  it('an uplink change that aborts the attempt just after its connection opened drops that connection', async () => {
    let armed = true
    let v: Visit | null = null
    // A reconnect in the same turn as the uplink is reported connected: after the attempt's last
    // abort check in the old layout, before the visit took the connection.
    const h = harness({ reportUplinkConnected: () => { if (armed) { armed = false; queueMicrotask(() => { void v?.reconnect() }) } } })
    v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    await settle()
    expect(h.payers[0]?.isOpen).toBe(false) // the connection made through the old uplink is closed
    expect(h.payers).toHaveLength(2) // and a new one is made
  })

  it('a reload while SPSP is answering checks the receiver against the new page\'s rules', async () => {
    const { ok } = await import('../../src/shared/result.ts')
    const { spspAnswer } = await import('./fixtures.ts')
    let answer: () => void = () => undefined
    const h = harness({ querySpsp: (url) => new Promise((r) => { answer = () => { r(ok(spspAnswer(url))) } }) })
    const v = new Visit(onPage(), h.deps)
    v.setVisible(true)
    await settle()
    // The reload: the same site's next page, whose CSP allows this receiver nowhere.
    v.rebind(visitId(2), { ...h.deps, permits: () => false })
    answer()
    await settle()
    expect(h.payers).toHaveLength(0)
    expect(v.status()).toMatchObject({ phase: 'failed', reason: expect.stringMatching(/Content-Security-Policy/) as unknown })
  })
})
