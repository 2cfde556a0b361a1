// Several receivers on one page share the tab's rate: never multiplied, capped in number.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { MAX_RECEIVERS_PER_PAGE, Monetizer, RESTORE_WAIT_MS } from '../../src/background/monetizer.ts'
import { VisitStore } from '../../src/background/visit-store.ts'
import type { Log } from '../../src/shared/log.ts'
import type { PageSnapshot } from '../../src/shared/messages.ts'
import { harness, memoryArea } from './fakes.ts'

const quiet: Log = { info: () => undefined, warn: () => undefined, error: () => undefined }
const PER_SECOND = 100_000n

function page(links: string[], visible = true): PageSnapshot {
  return {
    visitId: '0b5f3c1e-8d2a-4c3b-9e7f-1a2b3c4d5e6f',
    tags: links.map((value) => ({ kind: 'link' as const, value, seenAt: 0 })),
    visible,
    csp: [],
  }
}

/** Runs a page for `seconds`, fulfilling every packet, and returns what each receiver was allowed. */
async function run(links: string[], seconds: number) {
  const h = harness()
  const m = new Monetizer(h.deps, new VisitStore(memoryArea()), quiet)
  m.pageState(7, page(links), 'https://site.example/')
  await vi.advanceTimersByTimeAsync(0)
  for (let s = 0; s < seconds; s++) {
    for (const p of h.payers) p.fulfilAll()
    await vi.advanceTimersByTimeAsync(1000)
  }
  for (const p of h.payers) p.fulfilAll()
  return { h, m, total: h.payers.reduce((sum, p) => sum + p.totalSent, 0n) }
}

beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }) })
afterEach(() => { vi.useRealTimers() })

describe('several receivers on one page', () => {
  it('split the rate: two links cost what one does, and both are paid', async () => {
    const one = await run(['https://a.example/x'], 10)
    const two = await run(['https://a.example/x', 'https://b.example/y'], 10)
    expect(two.h.payers.length).toBe(2)
    for (const p of two.h.payers) expect(p.totalSent).toBeGreaterThan(0n)
    expect(one.total).toBe(11n * PER_SECOND) // 10 s visible + the leading second
    // Each receiver's share is rounded down to whole receiver units: never more than one receiver.
    expect(two.total).toBeLessThanOrEqual(one.total)
    expect(one.total - two.total).toBeLessThan(2n * 1000n * 2n)
  })

  it(`are capped at ${MAX_RECEIVERS_PER_PAGE} paid at once; 200 links cost what one does`, async () => {
    const links = Array.from({ length: 200 }, (_, i) => `https://r${i}.example/pay`)
    const many = await run(links.slice(0, 64), 10) // the content script reports at most 64 tags
    expect(many.h.payers.length).toBe(MAX_RECEIVERS_PER_PAGE)
    expect(many.total).toBeLessThanOrEqual(11n * PER_SECOND)
    expect(11n * PER_SECOND - many.total).toBeLessThan(BigInt(MAX_RECEIVERS_PER_PAGE) * 2n * 1000n)
  })

  it('pays duplicates of one URL once, and re-splits when a receiver leaves', async () => {
    const { h, m } = await run(['https://a.example/x', 'https://a.example/x', 'https://b.example/y'], 2)
    expect(h.payers.length).toBe(2)
    const before = h.payers[0]?.allowance ?? 0n
    m.pageState(7, page(['https://a.example/x']), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(0)
    for (let s = 0; s < 4; s++) {
      h.payers[0]?.fulfilAll()
      await vi.advanceTimersByTimeAsync(1000)
    }
    expect(h.payers[1]?.isOpen).toBe(false)
    // Alone from t = 2 s: the full rate up to 7 s (6 s + the leading second) is 5 s worth, less the
    // half-rate second that was already prepaid (it now costs a full second's rate).
    const gained = (h.payers[0]?.allowance ?? 0n) - before
    expect(gained).toBe(5n * PER_SECOND - PER_SECOND / 2n)
  })

  it('after a restart, resumes the receivers its page still has and forgets the others', async () => {
    const area = memoryArea()
    const h = harness()
    const first = new Monetizer(h.deps, new VisitStore(area), quiet)
    first.pageState(7, page(['https://a.example/x', 'https://b.example/y']), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(2000)
    expect(Object.keys(await area.get(null)).length).toBe(2)
    // The worker dies; a new one restores, and the page now has only one of the two links.
    const again = harness()
    const second = new Monetizer(again.deps, new VisitStore(area), quiet)
    await second.restore()
    second.pageState(7, page(['https://a.example/x']), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(RESTORE_WAIT_MS + 10)
    const keys = Object.keys(await area.get(null))
    expect(keys).toEqual(['visit:7:https://a.example/x'])
  })
})
