// Several receivers on one page share the tab's rate: never multiplied, capped in number.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { RESTORE_WAIT_MS } from '../../src/background/pages/restored-visits.ts'
import { MAX_RECEIVERS_PER_PAGE } from '../../src/background/pages/tag-choice.ts'
import type { PageSnapshot } from '../../src/shared/messages.ts'
import { harness, MemoryLedger, monetizerWorld, paySeconds } from './fakes.ts'
import { grantId, links as linkTags, siteRules, snapshot, spspAnswer, visitId } from './fixtures.ts'
const PER_SECOND = 100_000n

/** Visit 0's page, linking each of `links`. */
const page = (links: string[]): PageSnapshot => snapshot({ tags: linkTags(...links) })

/** Runs a page for `seconds`, fulfilling every packet, and returns what each receiver was allowed. */
async function run(links: string[], seconds: number) {
  const h = harness()
  const { m } = monetizerWorld(h)
  m.pageState(7, page(links), 'https://site.example/')
  await vi.advanceTimersByTimeAsync(0)
  await paySeconds(h, seconds)
  return { h, m, total: h.payers.reduce((sum, p) => sum + p.totalSent, 0n) }
}

beforeEach(() => { vi.useFakeTimers({ now: 1_000_000 }) })
afterEach(() => { vi.useRealTimers() })

describe('a receiver that was given up on', () => {
  const reloaded = (links: string[]): PageSnapshot => ({ ...page(links), visitId: visitId(4) })
  const refusal = { reason: 'The receiver refused payment (F99 application error).', refused: true, unknown: false }

  it('is tried again when the page is reloaded ("reload the page to try again")', async () => {
    const { err } = await import('../../src/shared/result.ts')
    let refuse = true
    const calls: string[] = []
    const h = harness({
      querySpsp: async (url) => {
        calls.push(url)
        if (refuse) return err({ step: 'status', message: 'The receiver answered HTTP 404.', retryable: false, status: 404 })
        return { ok: true, value: spspAnswer(url) }
      },
    })
    const { m } = monetizerWorld(h)
    const links = ['https://r.example/pay']
    m.pageState(1, page(links), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(2000)
    expect(calls).toHaveLength(1) // refused for good: no retry
    expect(m.status(1)).toMatchObject({ phase: 'failed' })
    refuse = false
    // The reload: the page goes, the same site's next page in the tab carries the visit on.
    m.pageGone(1, page(links).visitId)
    m.pageState(1, reloaded(links), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(500)
    expect(calls).toHaveLength(2)
    expect(h.payers.length).toBeGreaterThan(0)
    m.tabRemoved(1)
    await vi.advanceTimersByTimeAsync(10_000)
  })

  it('counts its refusals afresh after a reload: a reload between the second and third does not end in giving up', async () => {
    // Found in the browser: a reload while the visit was retrying carried it on with two refusals
    // counted, the next refusal made three, and the reloaded page was given up on at once.
    const h = harness()
    const { m } = monetizerWorld(h)
    const links = ['https://r.example/pay']
    m.pageState(1, page(links), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(0)
    for (let i = 0; i < 2; i++) {
      const payer = h.payers.at(-1)
      if (payer === undefined) throw new Error('no payer')
      payer.die(refusal.reason, refusal)
      await vi.advanceTimersByTimeAsync(0)
      expect(m.status(1)).toMatchObject({ phase: 'retrying' })
      await vi.advanceTimersByTimeAsync(30_000) // its retry connects again
    }
    expect(h.payers).toHaveLength(3)
    m.pageGone(1, page(links).visitId)
    m.pageState(1, reloaded(links), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(0)
    h.payers.at(-1)?.die(refusal.reason, refusal)
    await vi.advanceTimersByTimeAsync(0)
    expect(m.status(1)).toMatchObject({ phase: 'retrying' })
    m.tabRemoved(1)
    await vi.advanceTimersByTimeAsync(10_000)
  })
})

describe('a visit carried over a reload', () => {
  it('is not carried into a page whose site was switched to simulator mode meanwhile: a simulated visit starts, holding nothing', async () => {
    const h = harness()
    const { m, state, budget } = monetizerWorld(h)
    const links = ['https://r.example/pay']
    m.pageState(1, page(links), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(0)
    expect(budget.heldNow()).toBeGreaterThan(0n)
    m.pageGone(1, page(links).visitId) // the reload: the visit is parked
    state.settings = { ...state.settings, sites: { 'https://site.example': siteRules({ simulate: true }) } }
    m.settingsChanged()
    m.pageState(1, { ...page(links), visitId: visitId(5) }, 'https://site.example/')
    await vi.advanceTimersByTimeAsync(3000)
    expect(m.status(1)).toMatchObject({ kind: 'monetized', simulated: true })
    expect(budget.heldNow()).toBe(0n) // the real visit ended and settled; the simulated one holds nothing
    m.tabRemoved(1)
    await vi.advanceTimersByTimeAsync(10_000)
  })
})

describe('several receivers on one page', () => {
  it('the status\'s sent and received cover the same receivers: all of them', async () => {
    const { h, m, total } = await run(['https://a.example/x', 'https://b.example/y'], 5)
    await vi.advanceTimersByTimeAsync(0)
    const delivered = h.payers.reduce((sum, p) => sum + p.delivered, 0n)
    expect(h.payers.every((p) => p.delivered > 0n)).toBe(true)
    expect(m.status(7)).toMatchObject({ receivers: 2, sent: { value: total.toString() }, delivered: { value: delivered.toString(), code: 'USD', scale: 6 } })
    m.tabRemoved(7)
    await vi.advanceTimersByTimeAsync(10_000)
  })

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
    const leaving = h.payers[1]?.allowance ?? 0n
    m.pageState(7, page(['https://a.example/x']), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(0)
    for (let s = 0; s < 4; s++) {
      h.payers[0]?.fulfilAll()
      await vi.advanceTimersByTimeAsync(1000)
    }
    // The removed receiver is paid nothing more; it waits, paused, in case its tag comes back.
    expect(h.payers[1]?.allowance).toBe(leaving)
    // Alone from t = 2 s: the tab's whole rate up to 7 s (6 s + the leading second) is 5 s worth,
    // less both receivers' half-rate shares of the second [2 s, 3 s] that was prepaid at t = 2 s: the
    // leaving receiver's share was paid too, and the tab's meter counts it (one leading second per
    // tab, whoever got it).
    const gained = (h.payers[0]?.allowance ?? 0n) - before
    expect(gained).toBe(5n * PER_SECOND - PER_SECOND)
  })

  it('after a restart, resumes the receivers its page still has and forgets the others', async () => {
    const ledger = new MemoryLedger()
    const h = harness()
    const { m: first } = monetizerWorld(h, { ledger })
    first.pageState(7, page(['https://a.example/x', 'https://b.example/y']), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(2000)
    expect(ledger.visits.size).toBe(2)
    // The worker dies; a new one restores, and the page now has only one of the two links.
    const again = harness()
    const { m: second } = monetizerWorld(again, { ledger })
    await second.restore()
    second.pageState(7, page(['https://a.example/x']), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(RESTORE_WAIT_MS + 10)
    expect([...ledger.visits.keys()]).toEqual(['7:https://a.example/x'])
  })

  describe('frames', () => {
    const G1 = grantId(1)
    const G2 = grantId(2)
    /** Frame `frameId`'s page (its own visit), linking `links`, giving `grants` and holding `grant`. */
    const frame = (frameId: number, links: string[], grants: string[], grant: string | null): PageSnapshot =>
      ({ ...page(links), visitId: visitId(frameId), grants, grant })

    async function paidUrls(reports: [number, PageSnapshot][]) {
      const h = harness()
      const m = monetizerWorld(h).m
      for (const [frameId, snapshot] of reports) m.pageState(7, snapshot, 'https://site.example/', frameId)
      await vi.advanceTimersByTimeAsync(0)
      return h.spspCalls.sort()
    }

    it('pays a granted child frame, and not a child without a grant', async () => {
      expect(await paidUrls([
        [0, frame(0, [], [G1], null)],
        [3, frame(3, ['https://child.example/pay'], [], G1)],
        [4, frame(4, ['https://sneaky.example/pay'], [], null)],
      ])).toEqual(['https://child.example/pay'])
    })

    it('pays a nested frame only if every frame on the way allows it', async () => {
      expect(await paidUrls([
        [0, frame(0, [], [G1], null)],
        [3, frame(3, [], [G2], G1)],
        [5, frame(5, ['https://grandchild.example/pay'], [], G2)],
      ])).toEqual(['https://grandchild.example/pay'])
      // The middle frame has no grant from the top: its own grant is worth nothing.
      expect(await paidUrls([
        [0, frame(0, [], [], null)],
        [3, frame(3, [], [G2], null)],
        [5, frame(5, ['https://grandchild.example/pay'], [], G2)],
      ])).toEqual([])
    })

    it('honours a grant for one frame only (a page cannot pass its grant on)', async () => {
      expect(await paidUrls([
        [0, frame(0, [], [G1], null)],
        [3, frame(3, ['https://child.example/pay'], [], G1)],
        [5, frame(5, ['https://replayed.example/pay'], [], G1)],
      ])).toEqual(['https://child.example/pay'])
    })

    it('splits the tab\'s rate across the frames\' receivers', async () => {
      const h = harness()
      const m = monetizerWorld(h).m
      m.pageState(7, frame(0, ['https://top.example/pay'], [G1], null), 'https://site.example/', 0)
      m.pageState(7, frame(3, ['https://child.example/pay'], [], G1), 'https://child.example/', 3)
      await vi.advanceTimersByTimeAsync(0)
      expect(h.payers.map((p) => p.allowance)).toEqual([PER_SECOND / 2n, PER_SECOND / 2n])
    })
  })
})

describe('a tag whose receiver changes', () => {
  it('the new visit is the tab\'s, so closing the tab stops it (no orphan left paying)', async () => {
    const h = harness()
    const { m } = monetizerWorld(h)
    m.pageState(7, page(['https://a.example/x']), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(1000)
    m.pageState(7, page(['https://b.example/y']), 'https://site.example/')
    await vi.advanceTimersByTimeAsync(1000)
    expect(m.status(7)).toMatchObject({ kind: 'monetized', receiverHost: 'b.example' })
    m.tabRemoved(7)
    await vi.advanceTimersByTimeAsync(5000)
    expect(h.payers.map((p) => p.isOpen)).toEqual([false, false])
  })
})
