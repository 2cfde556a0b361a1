// The budget: spending plus every hold never passes the budget or a site's cap; limits stop accrual;
// never-pay, pause and attention stop payment; a reload carries a visit on.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { Budget } from '../../src/background/ledger/budget.ts'
import type { LedgerRow } from '../../src/background/ledger/ledger.ts'
import type { PaymentEvent } from '../../src/shared/messages.ts'
import { dayKey } from '../../src/shared/period.ts'
import { DEFAULT_SETTINGS, type Settings } from '../../src/shared/settings.ts'
import { harness, monetizerWorld, paySeconds } from './fakes.ts'
import { links, siteRules, snapshot, USD9, visitId } from './fixtures.ts'

const PER_SECOND = 100_000n // the harness's 0.36/hour at USD scale 9
const NOW = Date.UTC(2026, 10, 22, 12)

describe('Budget', () => {
  const row = (day: string, site: string, sent: bigint, over: Partial<LedgerRow> = {}): LedgerRow => ({
    id: `${day}${site}`, day, site, receiver: 'r', source: USD9, destination: null, sent: sent.toString(), delivered: '0', unconfirmed: '0', ms: 0, packets: 1, ...over,
  })
  function world(settings: Partial<Settings> = {}, asset: typeof USD9 | null = USD9) {
    const state = { settings: { ...DEFAULT_SETTINGS, ...settings } }
    const b = new Budget({ settings: () => state.settings, asset: () => asset, now: () => NOW, dayOf: (t) => dayKey(t, 'UTC') })
    b.load([]) // as the worker does at start: the ledger's rows (none here)
    return { b, state }
  }
  /** A budget that has read only the ledger's day totals, as a worker does first at start. */
  function startingWorld(settings: Partial<Settings> = {}) {
    const state = { settings: { ...DEFAULT_SETTINGS, ...settings } }
    return { b: new Budget({ settings: () => state.settings, asset: () => USD9, now: () => NOW, dayOf: (t) => dayKey(t, 'UTC') }), state }
  }
  const total = (day: string, sent: bigint, over: Partial<LedgerRow> = {}): LedgerRow => row(day, '*', sent, { receiver: '*', ...over })

  it('starts from the day totals alone: the budget holds, a capped site waits for its rows', () => {
    const { b } = startingWorld({ budget: { amount: '0.01', period: 'monthly', renewDay: 1 }, sites: { 'https://a.example': siteRules({ cap: '0.005' }) } })
    b.loadTotals([total('2026-11-02', 3_000_000n), total('2026-10-31', 9_000_000n) /* last period */])
    expect(b.sitesKnown).toBe(false)
    expect(b.room('https://b.example')).toEqual({ room: 7_000_000n, limit: 'budget' })
    expect(b.room('https://a.example')).toEqual({ room: 0n, limit: 'cap' })
    // Paid meanwhile: counted once, in the total and for its site.
    b.charge('https://b.example', 1_000_000n, USD9, NOW)
    expect(b.room('https://b.example').room).toBe(6_000_000n)
    // The rows (the same snapshot as the totals: a.example had 3,000,000 of them) arrive.
    b.load([row('2026-11-02', 'https://a.example', 3_000_000n)])
    expect(b.sitesKnown).toBe(true)
    expect(b.spentNow()).toBe(4_000_000n)
    expect(b.spentNow('https://b.example')).toBe(1_000_000n)
    expect(b.room('https://a.example')).toEqual({ room: 2_000_000n, limit: 'cap' })
  })

  it('counts, for each day, the larger of its total and its rows: a stale or damaged total only makes it stricter', () => {
    const { b } = startingWorld({ budget: { amount: '0.01', period: 'monthly', renewDay: 1 } })
    b.loadTotals([total('2026-11-02', 1_000_000n), total('2026-11-03', 4_000_000n)])
    b.load([row('2026-11-02', 'https://a.example', 2_500_000n), row('2026-11-03', 'https://a.example', 500_000n)])
    expect(b.spentNow()).toBe(2_500_000n + 4_000_000n)
    expect(b.spentBySite()).toEqual(new Map([['https://a.example', 3_000_000n]]))
  })

  it('has room for the budget less this period\'s spending and every hold', () => {
    const { b } = world({ budget: { amount: '0.01', period: 'monthly', renewDay: 1 } })
    b.load([
      row('2026-11-02', 'https://a.example', 1_000_000n),
      row('2026-11-20', 'https://b.example', 0n, { unconfirmed: '500000' }), // may have left: counts
      row('2026-10-31', 'https://a.example', 5_000_000n), // last period
      row('2026-11-05', 'https://a.example', 7n, { source: { code: 'EUR', scale: 2 } }), // another uplink's asset
    ])
    b.hold({ site: 'https://c.example', outstanding: 2_000_000n })
    expect(b.room('https://a.example')).toEqual({ room: 10_000_000n - 1_500_000n - 2_000_000n, limit: 'budget' })
  })

  it('a site\'s cap binds when it is the tighter limit', () => {
    const { b } = world({ sites: { 'https://a.example': siteRules({ cap: '0.002' }) } })
    b.charge('https://a.example', 1_500_000n, USD9, NOW)
    b.hold({ site: 'https://a.example', outstanding: 400_000n })
    b.hold({ site: 'https://b.example', outstanding: 900_000n })
    expect(b.room('https://a.example')).toEqual({ room: 100_000n, limit: 'cap' })
    expect(b.room('https://b.example').limit).toBe('budget')
  })

  it('has no room at all while the uplink\'s asset is unknown, and none below zero', () => {
    expect(world({}, null).b.room('https://a.example').room).toBe(0n)
    const { b } = world({ budget: { amount: '0.001', period: 'weekly', renewDay: 1 } })
    b.charge('https://a.example', 5_000_000n, USD9, NOW)
    expect(b.room('https://a.example').room).toBe(0n)
  })

  it('renews: a new period starts from nothing', () => {
    const { b, state } = world({ budget: { amount: '0.001', period: 'monthly', renewDay: 23 } })
    b.charge('https://a.example', 1_000_000n, USD9, NOW) // 22 Nov: the period that began on 23 Oct
    expect(b.room('https://a.example').room).toBe(0n)
    state.settings = { ...state.settings, budget: { ...state.settings.budget, renewDay: 22 } }
    expect(b.period()).toEqual({ start: '2026-11-22', end: '2026-12-22' })
    expect(b.room('https://a.example').room).toBe(0n) // today's spending is in the new period too
    state.settings = { ...state.settings, budget: { ...state.settings.budget, period: 'weekly', renewDay: 1 } }
    expect(b.period()).toEqual({ start: '2026-11-16', end: '2026-11-23' })
  })
})

/** Visit `n`'s page, linking `href`. */
const page = (href: string, n = 0, visible = true) => snapshot({ visitId: visitId(n), tags: links(href), visible })
const sum = (xs: bigint[]): bigint => xs.reduce((a, b) => a + b, 0n)

describe('payment under a budget', () => {
  beforeEach(() => { vi.useFakeTimers({ now: NOW }) })
  afterEach(() => { vi.useRealTimers() })

  it('stops exactly at the budget, says why, and tells the page it paused', async () => {
    const h = harness()
    const events: PaymentEvent['event'][] = []
    const w = monetizerWorld(h, { settings: { budget: { amount: '0.00055', period: 'monthly', renewDay: 1 } } })
    w.m.setNotify((_t, _f, e) => events.push(e.event))
    w.m.pageState(1, page('https://r.example/a'), 'https://site.example/')
    await paySeconds(h, 10)
    const allowed = sum(h.payers.map((p) => p.allowance))
    expect(allowed).toBe(550_000n) // 5.5 seconds' worth: the last chunk is partial, never over
    expect(w.ledger.spent).toBe(550_000n)
    const status = w.m.status(1)
    expect(status).toMatchObject({ kind: 'monetized', phase: 'limit', reason: expect.stringMatching(/budget .* used up; it renews on 2026-12-01/) as unknown })
    expect(events.at(-1)).toBe('paused')
  })

  it('raising the budget resumes at the rate, without paying for the time spent at the limit', async () => {
    const h = harness()
    const w = monetizerWorld(h, { settings: { budget: { amount: '0.0003', period: 'monthly', renewDay: 1 } } })
    w.m.pageState(1, page('https://r.example/a'), 'https://site.example/')
    await paySeconds(h, 20) // at the limit after 3 s, then 17 s that must never be paid
    expect(sum(h.payers.map((p) => p.allowance))).toBe(300_000n)
    w.state.settings = { ...w.state.settings, budget: { ...w.state.settings.budget, amount: '1' } }
    w.m.settingsChanged()
    await paySeconds(h, 5)
    const after = sum(h.payers.map((p) => p.allowance))
    // Resumed within a second of the change, then one second per second (plus the leading one).
    expect(after - 300_000n).toBeGreaterThanOrEqual(5n * PER_SECOND)
    expect(after - 300_000n).toBeLessThanOrEqual(7n * PER_SECOND)
    expect(w.m.status(1)).toMatchObject({ phase: 'paying' })
  })

  it('at the limit and then hidden: raising the budget leaves it paused, saying why', async () => {
    const h = harness()
    const w = monetizerWorld(h, { settings: { budget: { amount: '0.0002', period: 'monthly', renewDay: 1 } } })
    w.m.pageState(1, page('https://r.example/a'), 'https://site.example/')
    await paySeconds(h, 4)
    expect(w.m.status(1)).toMatchObject({ phase: 'limit' })
    w.m.pageState(1, page('https://r.example/a', 0, false), 'https://site.example/')
    w.state.settings = { ...w.state.settings, budget: { ...w.state.settings.budget, amount: '1' } }
    w.m.settingsChanged()
    await paySeconds(h, 2)
    expect(w.m.status(1)).toMatchObject({ phase: 'paused', reason: 'The tab is hidden.' })
    expect(sum(h.payers.map((p) => p.allowance))).toBe(200_000n)
  })

  it('a site\'s cap holds while another site keeps being paid', async () => {
    const h = harness()
    const w = monetizerWorld(h, { settings: { sites: { 'https://capped.example': siteRules({ cap: '0.0002' }) } } })
    w.m.pageState(1, page('https://r.example/a'), 'https://capped.example/')
    w.m.pageState(2, page('https://r.example/b', 1), 'https://free.example/')
    await paySeconds(h, 10)
    const capped = w.ledger.entries.filter((e) => e.site === 'https://capped.example').reduce((s, e) => s + e.sent, 0n)
    const free = w.ledger.entries.filter((e) => e.site === 'https://free.example').reduce((s, e) => s + e.sent, 0n)
    expect(capped).toBe(200_000n)
    expect(free).toBeGreaterThanOrEqual(10n * PER_SECOND)
    expect(w.m.status(1)).toMatchObject({ phase: 'limit', reason: expect.stringMatching(/cap/) as unknown })
  })

  it('never pays a never-pay site, and asks nothing of its receiver', async () => {
    const h = harness()
    const w = monetizerWorld(h, { settings: { sites: { 'https://mine.example': siteRules({ never: true }) } } })
    w.m.pageState(1, page('https://r.example/a'), 'https://mine.example/page')
    await paySeconds(h, 3)
    expect(h.spspCalls).toEqual([])
    expect(h.payers).toEqual([])
    expect(w.m.status(1)).toEqual({ kind: 'never' })
  })

  it.each([
    ['a global pause', { paused: true }, null, /You paused Trickle/],
    ['a paused site', { sites: { 'https://site.example': siteRules({ paused: true }) } }, null, /paused this site/],
    ['an unfocused window', {}, 'The window does not have focus.', /focus/],
    ['an idle user', {}, 'You have been away from the keyboard and mouse.', /away/],
  ] as const)('%s stops accrual; lifting it resumes without back-pay', async (_what, settings, attention, reason) => {
    const h = harness()
    const state = { attention: null as string | null }
    const w = monetizerWorld(h, { attention: () => state.attention })
    w.m.pageState(1, page('https://r.example/a'), 'https://site.example/')
    await paySeconds(h, 3)
    const before = sum(h.payers.map((p) => p.allowance))
    w.state.settings = { ...w.state.settings, ...settings }
    state.attention = attention
    w.m.settingsChanged()
    w.m.attentionChanged()
    await paySeconds(h, 10)
    expect(sum(h.payers.map((p) => p.allowance))).toBe(before)
    expect(w.m.status(1)).toMatchObject({ phase: 'paused', reason: expect.stringMatching(reason) as unknown })
    w.state.settings = { ...w.state.settings, paused: false, sites: {} }
    state.attention = null
    w.m.settingsChanged()
    w.m.attentionChanged()
    await paySeconds(h, 3)
    const resumed = sum(h.payers.map((p) => p.allowance)) - before
    expect(resumed).toBeGreaterThanOrEqual(3n * PER_SECOND)
    expect(resumed).toBeLessThanOrEqual(4n * PER_SECOND)
  })

  it('a site\'s own rate replaces the global one', async () => {
    const h = harness()
    const w = monetizerWorld(h, { settings: { sites: { 'https://site.example': siteRules({ ratePerHour: '0.72' }) } } })
    w.m.pageState(1, page('https://r.example/a'), 'https://site.example/')
    await paySeconds(h, 10)
    expect(sum(h.payers.map((p) => p.allowance))).toBe(11n * 2n * PER_SECOND)
  })

  it('a reload carries the visit on: no fresh first second, one connection', async () => {
    const h = harness()
    const w = monetizerWorld(h)
    w.m.pageState(1, page('https://r.example/a'), 'https://site.example/a')
    await paySeconds(h, 5)
    for (let i = 0; i < 5; i++) {
      // The old page's port closes, the new page (a new visit id) reports 200 ms later.
      w.m.pageGone(1, visitId(i))
      await vi.advanceTimersByTimeAsync(200)
      w.m.pageState(1, page('https://r.example/a', i + 1), 'https://site.example/b')
      await paySeconds(h, 1)
    }
    // 10 visible seconds and the leading one: five reloads cost nothing extra.
    expect(sum(h.payers.map((p) => p.allowance))).toBeLessThanOrEqual(11n * PER_SECOND)
    expect(h.payers).toHaveLength(1)
    expect(h.spspCalls).toHaveLength(1)
  })

  it('a page of another site in the same tab starts afresh', async () => {
    const h = harness()
    const w = monetizerWorld(h)
    w.m.pageState(1, page('https://r.example/a'), 'https://one.example/')
    await paySeconds(h, 2)
    w.m.pageGone(1, visitId(0))
    w.m.pageState(1, page('https://r.example/a', 1), 'https://two.example/')
    await paySeconds(h, 2)
    expect(h.payers).toHaveLength(2)
    expect(w.ledger.entries.map((e) => e.site)).toContain('https://two.example')
  })
})

describe('a tab moved to another window', () => {
  beforeEach(() => { vi.useFakeTimers({ now: NOW }) })
  afterEach(() => { vi.useRealTimers() })

  it('follows its new window\'s focus', async () => {
    const h = harness()
    const w = monetizerWorld(h, { attention: (windowId) => (windowId === 2 ? null : 'The window does not have focus.') })
    w.m.pageState(1, page('https://r.example/a'), 'https://site.example/', 0, 1)
    await vi.advanceTimersByTimeAsync(2000)
    expect(w.m.status(1)).toMatchObject({ phase: 'paused', reason: 'The window does not have focus.' })
    w.m.tabMoved(1, 2)
    await vi.advanceTimersByTimeAsync(2000)
    h.payers[0]?.fulfilAll()
    expect(w.m.status(1)).toMatchObject({ phase: 'paying' })
  })
})
