// The event view's data: what became of every tag and frame, and the events pages report (checked
// like every message from a content script).
import { describe, expect, it, vi } from 'vitest'
import { isContentEnvelope, type PageSnapshot, type PaymentEvent } from '../../src/shared/messages.ts'
import { seenEvent } from '../../src/shared/wm-channel.ts'
import { TabEvents, EVENTS_PER_TAB } from '../../src/background/site-owner/tab-events.ts'
import { harness, monetizerWorld } from './fakes.ts'
import { grantId, link, links, meta, siteRules, snapshot, visitId } from './fixtures.ts'

/** A page of visit 0 with `tags`, not shown (what became of a tag does not wait for payment). */
const page = (tags: PageSnapshot['tags'], over: Partial<PageSnapshot> = {}): PageSnapshot => snapshot({ tags, visible: false, ...over })

describe('what became of each tag', () => {
  it('says which tags are paid, which are ignored and which refused, and why', () => {
    const { m } = monetizerWorld(harness())
    const six = Array.from({ length: 6 }, (_, i) => `https://r${i}.example/p`)
    m.pageState(1, page([
      meta('$wallet.example/alice'),
      ...links(...six),
      link('https://r0.example/p'),
      link('$wallet.example/bob'),
    ]), 'https://site.example/')
    const tags = m.describe(1).tags
    expect(tags.map((t) => t.verdict)).toEqual(['ignored', 'paid', 'paid', 'paid', 'paid', 'paid', 'ignored', 'ignored', 'refused'])
    expect(tags[0]?.reason).toMatch(/<link rel="monetization"> on the page takes precedence/)
    expect(tags[6]?.reason).toMatch(/At most 5 receivers/)
    expect(tags[7]?.reason).toMatch(/same receiver/)
    expect(tags[8]?.reason).toMatch(/needs an https:\/\/ URL/)
  })

  it('only the first meta is used', () => {
    const { m } = monetizerWorld(harness())
    m.pageState(1, page([meta('$a.example/x'), meta('$b.example/y')]), 'https://site.example/')
    expect(m.describe(1).tags.map((t) => [t.verdict, t.reason])).toEqual([
      ['paid', 'Pays https://a.example/x'], ['ignored', 'Only the first <meta name="monetization"> is used.'],
    ])
  })

  it('lists frames, allowed or refused, and ignores the tags of refused ones', () => {
    const { m } = monetizerWorld(harness())
    const G = grantId(1)
    m.pageState(1, page([], { grants: [G] }), 'https://site.example/', 0)
    m.pageState(1, page(links('https://kid.example/p'), { visitId: visitId(2), grant: G }), 'https://kid.example/frame', 3)
    m.pageState(1, page(links('https://ad.example/p'), { visitId: visitId(3) }), 'https://ad.example/frame', 4)
    const d = m.describe(1)
    expect(d.frames.map((f) => [f.frameId, f.origin, f.allowed])).toEqual([[0, 'https://site.example', true], [3, 'https://kid.example', true], [4, 'https://ad.example', false]])
    expect(d.frames[2]?.reason).toMatch(/allow="monetization"/)
    expect(d.tags.map((t) => [t.frameId, t.verdict])).toEqual([[3, 'paid'], [4, 'ignored']])
  })

  it('a never-pay site\'s tags are all ignored, saying so', () => {
    const { m } = monetizerWorld(harness(), { settings: { sites: { 'https://site.example': siteRules({ never: true }) } } })
    m.pageState(1, page(links('https://r.example/p')), 'https://site.example/')
    expect(m.describe(1).tags[0]).toMatchObject({ verdict: 'ignored', reason: 'You chose never to pay this site.' })
  })
})

describe('events pages report', () => {
  it('are flattened for the view', () => {
    expect(seenEvent({ api: 'v1', type: 'monetizationprogress', state: 'started', detail: { paymentPointer: 'p', requestId: 'r', amount: '100', assetCode: 'USD', assetScale: 6, receipt: null } }, 5))
      .toEqual({ at: 5, type: 'monetizationprogress', fields: { state: 'started', paymentPointer: 'p', requestId: 'r', amount: '100', assetCode: 'USD', assetScale: 6, receipt: null } })
    expect(seenEvent({ api: 'link', type: 'load' }, 1)).toEqual({ at: 1, type: 'load', fields: {} })
  })

  it.each([
    [{ type: 'wm-event', input: { at: 1, type: 'monetizationstart', fields: { state: 'started' } } }, true],
    [{ type: 'wm-event', input: { at: 1, type: 'click', fields: {} } }, false],
    [{ type: 'wm-event', input: { at: 1, type: 'load', fields: { x: { nested: true } } } }, false],
    [{ type: 'wm-event', input: { at: 1, type: 'load', fields: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i])) } }, false],
    [{ type: 'wm-event', input: { at: 1, type: 'load', fields: {}, extra: 1 } }, false],
    [{ type: 'wm-event', input: { at: 1.5, type: 'load', fields: {} } }, false],
  ])('are checked like any message: %j → %s', (envelope, valid) => {
    expect(isContentEnvelope(envelope)).toBe(valid)
  })

  it('are kept per tab, the last ones only', () => {
    const events = new TabEvents()
    for (let i = 0; i < EVENTS_PER_TAB + 10; i++) events.add(1, 0, { at: i, type: 'load', fields: {} })
    events.add(2, 5, { at: 0, type: 'error', fields: {} })
    expect(events.of(1)).toHaveLength(EVENTS_PER_TAB)
    expect(events.of(1)[0]?.at).toBe(10)
    expect(events.of(2)).toEqual([{ at: 0, type: 'error', fields: {}, frameId: 5 }])
    events.forget(1)
    expect(events.of(1)).toEqual([])
  })
})

describe('simulator mode', () => {
  const SIM = siteRules({ simulate: true })
  it('sends the page its events with simulated amounts; no money moves, nothing is counted or recorded', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 22, 12) })
    try {
      const h = harness()
      const w = monetizerWorld(h, { settings: { budget: { amount: '0', period: 'monthly', renewDay: 1 }, sites: { 'https://site.example': SIM } } })
      const events: PaymentEvent[] = []
      w.m.setNotify((_t, _f, e) => events.push(e))
      w.m.pageState(1, page(links('https://r.example/p'), { visible: true }), 'https://site.example/')
      await vi.advanceTimersByTimeAsync(5000)
      // A zero budget, yet the page is "paid": it is a simulation.
      const paid = events.filter((e) => e.event === 'paid')
      expect(paid.length).toBeGreaterThanOrEqual(5)
      expect(events[0]?.event).toBe('pending')
      expect(h.spspCalls).toEqual([]) // no network at all
      expect(h.payers).toEqual([])
      expect(w.ledger.entries).toEqual([])
      expect(w.ledger.visits.size).toBe(0)
      expect(w.budget.heldNow()).toBe(0n)
      expect(w.m.status(1)).toMatchObject({ kind: 'monetized', phase: 'paying', simulated: true })
      // Turned off, the site is paid for real (here: not at all, the budget is zero).
      w.state.settings = { ...w.state.settings, sites: {} }
      w.m.settingsChanged()
      await vi.advanceTimersByTimeAsync(3000)
      expect(w.m.status(1)).toMatchObject({ kind: 'monetized', phase: 'limit' })
      expect(w.m.status(1)).not.toHaveProperty('simulated')
    } finally {
      vi.useRealTimers()
    }
  })
})
