// The rate invariant: whatever a page does with its tags (toggle, swap, duplicate, change href,
// reload, navigate, open frames), what every STREAM connection of every tab was ever given is at most
// each tab's rate × the time it was visible, plus one leading second per tab.
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { harness, monetizerWorld } from './fakes.ts'
import { grantId, links, snapshot } from './fixtures.ts'

/** The default rate, 0.36 USD/hour at scale 9: 100 units per ms. */
const PER_MS = 100n
const SITES = ['https://a.example', 'https://b.example']
const RECEIVERS = Array.from({ length: 8 }, (_, i) => `https://r${i}.example/pay`)
const GRANT = grantId(1)

beforeEach(() => { vi.useFakeTimers({ now: Date.UTC(2026, 11, 1, 12) }) })
afterEach(() => { vi.useRealTimers() })

interface Tab {
  id: number
  site: number
  visitId: string
  links: string[]
  visible: boolean
  /** A child frame with a grant from the top, and its own links (null: no frame). */
  frame: { visitId: string; links: string[] } | null
  visibleMs: number
}

function world() {
  const h = harness()
  const payers = h.payers
  const { m } = monetizerWorld(h)
  const tabs: Tab[] = []
  let nextTab = 1
  const report = (t: Tab): void => {
    m.pageState(t.id, snapshot({ visitId: t.visitId, tags: links(...t.links), visible: t.visible, grants: t.frame === null ? [] : [GRANT] }), `${SITES[t.site] ?? ''}/page`, 0)
    if (t.frame !== null) m.pageState(t.id, snapshot({ visitId: t.frame.visitId, tags: links(...t.frame.links), visible: t.visible, grant: GRANT }), 'https://frame.example/embed', 1)
  }
  return {
    m,
    payers,
    tabs,
    open(site: number): Tab {
      const t: Tab = { id: nextTab++, site, visitId: crypto.randomUUID(), links: [], visible: true, frame: null, visibleMs: 0 }
      tabs.push(t)
      report(t)
      return t
    },
    report,
    /** Time passes; every visible tab's visible time grows with it. */
    async tick(ms: number) {
      for (const t of tabs) if (t.visible) t.visibleMs += ms
      await vi.advanceTimersByTimeAsync(ms)
    },
    given: () => payers.reduce((s, p) => s + p.allowance, 0n),
    /** Each tab's rate × its visible time, plus its one leading second. */
    bound: () => tabs.reduce((s, t) => s + (BigInt(t.visibleMs) + 1000n) * PER_MS, 0n),
  }
}

describe('a page that churns its tags', () => {
  it('toggling its link every 20 ms for 10 s is paid at most 1.05× what a steady page is', async () => {
    const steady = world()
    const s = steady.open(0)
    s.links = [RECEIVERS[0] ?? '']
    steady.report(s)
    for (let ms = 0; ms < 10_000; ms += 20) {
      for (const p of steady.payers) p.fulfilAll()
      await steady.tick(20)
    }
    const toggling = world()
    const t = toggling.open(0)
    for (let ms = 0, on = true; ms < 10_000; ms += 20, on = !on) {
      t.links = on ? [RECEIVERS[0] ?? ''] : []
      toggling.report(t)
      for (const p of toggling.payers) p.fulfilAll()
      await toggling.tick(20)
    }
    expect(steady.given()).toBeGreaterThan(0n)
    expect(toggling.given()).toBeGreaterThan(0n)
    // given × 100 ≤ steady × 105, in integers
    expect(toggling.given() * 100n).toBeLessThanOrEqual(steady.given() * 105n)
    steady.m.tabRemoved(s.id)
    toggling.m.tabRemoved(t.id)
    await vi.advanceTimersByTimeAsync(60_000)
  })

  it('swapping among eight receivers every 20 ms is bounded the same way, and looks up at most five of them', async () => {
    const w = world()
    const t = w.open(0)
    let lookups = 0
    for (let ms = 0, i = 0; ms < 10_000; ms += 20, i++) {
      t.links = [RECEIVERS[i % RECEIVERS.length] ?? '']
      w.report(t)
      for (const p of w.payers) p.fulfilAll()
      await w.tick(20)
      lookups = w.payers.length
    }
    expect(w.given()).toBeLessThanOrEqual(w.bound())
    // The cap of five receivers applies to lookups too: the other three wait for the window.
    expect(lookups).toBeLessThanOrEqual(5)
    w.m.tabRemoved(t.id)
    await vi.advanceTimersByTimeAsync(60_000)
  })
})

type Action =
  | { kind: 'tick'; ms: number }
  | { kind: 'fulfil'; permille: number }
  | { kind: 'add'; tab: number; receiver: number }
  | { kind: 'remove'; tab: number }
  | { kind: 'href'; tab: number; receiver: number }
  | { kind: 'duplicate'; tab: number }
  | { kind: 'toggle'; tab: number; times: number }
  | { kind: 'show'; tab: number; visible: boolean }
  | { kind: 'reload'; tab: number }
  | { kind: 'navigate'; tab: number; site: number }
  | { kind: 'frame'; tab: number; receiver: number | null }
  | { kind: 'close'; tab: number }

const tab = fc.nat(2)
const receiver = fc.nat(RECEIVERS.length - 1)
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 2500 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('fulfil' as const), permille: fc.integer({ min: 0, max: 1000 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('add' as const), tab, receiver }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('remove' as const), tab }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('href' as const), tab, receiver }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicate' as const), tab }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('toggle' as const), tab, times: fc.integer({ min: 1, max: 30 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('show' as const), tab, visible: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reload' as const), tab }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('navigate' as const), tab, site: fc.nat(SITES.length - 1) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('frame' as const), tab, receiver: fc.option(receiver) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), tab }) },
)

describe('the rate invariant', () => {
  it('holds for every schedule of tags, frames, reloads, navigations and tabs', async () => {
    await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 50 }), async (actions) => {
      const w = world()
      const slots: (Tab | null)[] = [w.open(0), w.open(1), null]
      const at = (i: number): Tab => {
        const t = slots[i] ?? w.open(i % SITES.length)
        slots[i] = t
        return t
      }
      for (const a of actions) {
        switch (a.kind) {
          case 'tick': await w.tick(a.ms); break
          case 'fulfil': for (const p of w.payers) p.fulfil((p.pending * BigInt(a.permille)) / 1000n); break
          case 'add': { const t = at(a.tab); t.links.push(RECEIVERS[a.receiver] ?? ''); w.report(t); break }
          case 'remove': { const t = at(a.tab); t.links.pop(); w.report(t); break }
          case 'href': { const t = at(a.tab); t.links[0] = RECEIVERS[a.receiver] ?? ''; w.report(t); break }
          case 'duplicate': { const t = at(a.tab); t.links.push(...t.links); t.links = t.links.slice(0, 64); w.report(t); break }
          case 'toggle': {
            const t = at(a.tab)
            const was = t.links
            for (let i = 0; i < a.times; i++) {
              t.links = i % 2 === 0 ? [] : was
              w.report(t)
              for (const p of w.payers) p.fulfilAll()
              await w.tick(20)
            }
            t.links = was
            w.report(t)
            break
          }
          case 'show': { const t = at(a.tab); t.visible = a.visible; w.report(t); break }
          case 'reload': {
            const t = at(a.tab)
            w.m.pageGone(t.id, t.visitId)
            t.visitId = crypto.randomUUID()
            w.report(t)
            break
          }
          case 'navigate': {
            const t = at(a.tab)
            w.m.pageGone(t.id, t.visitId)
            t.visitId = crypto.randomUUID()
            t.site = a.site
            w.report(t)
            break
          }
          case 'frame': {
            const t = at(a.tab)
            if (t.frame !== null) w.m.pageGone(t.id, t.frame.visitId, 1)
            t.frame = a.receiver === null ? null : { visitId: crypto.randomUUID(), links: [RECEIVERS[a.receiver] ?? ''] }
            w.report(t)
            break
          }
          case 'close': {
            const t = slots[a.tab]
            if (t === null || t === undefined) break
            t.visible = false // its visible time is over; it stays in the bound
            w.m.tabRemoved(t.id)
            slots[a.tab] = null
            break
          }
        }
        await vi.advanceTimersByTimeAsync(0)
        expect(w.given()).toBeLessThanOrEqual(w.bound())
      }
      for (const t of w.tabs) w.m.tabRemoved(t.id)
      await vi.advanceTimersByTimeAsync(60_000)
    }), { numRuns: 120 })
  })
})
