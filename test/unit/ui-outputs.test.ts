// The guards of the worker's replies to Trickle's pages. The type tests fail to compile if a guard's
// type drifts from the output its message declares; the value tests show each guard takes a well-formed
// reply and refuses the wrong shapes a page must not read (a missing or extra field, a wrong type,
// money that is not an integer string, a runaway list).
import { describe, expect, expectTypeOf, it } from 'vitest'
import type { CheckReport } from '../../src/shared/check-report.ts'
import { exactWithOptional, isBoolean, isMatching, isRecordOf, isSafeInteger, isString, type GuardType } from '../../src/shared/guards.ts'
import { TOP_SITES, type Overview, type SettingsView, type TabEventsView, type UiOutputs } from '../../src/shared/messages.ts'
import type { ExportRow } from '../../src/shared/ledger-file.ts'
import type { TabStatus } from '../../src/shared/status.ts'
import { uiOutputGuards } from '../../src/shared/ui-outputs.ts'
import { amount, overview, paying, report, settingsView, tabEvents } from './ui-samples.ts'
import { siteRules } from './fixtures.ts'

type Out<K extends keyof UiOutputs> = GuardType<(typeof uiOutputGuards)[K]>

describe('reply guard types', () => {
  it('are each message\'s declared output', () => {
    expectTypeOf<Out<'get-tab-status'>>().toEqualTypeOf<TabStatus>()
    expectTypeOf<Out<'get-settings'>>().toEqualTypeOf<SettingsView>()
    expectTypeOf<Out<'save-settings'>>().toEqualTypeOf<SettingsView>()
    expectTypeOf<Out<'forget-uplink'>>().toEqualTypeOf<SettingsView>()
    expectTypeOf<Out<'get-overview'>>().toEqualTypeOf<Overview>()
    expectTypeOf<Out<'set-paused'>>().toEqualTypeOf<SettingsView>()
    expectTypeOf<Out<'set-site'>>().toEqualTypeOf<SettingsView>()
    expectTypeOf<Out<'export-settings'>>().toEqualTypeOf<string>()
    expectTypeOf<Out<'import-settings'>>().toEqualTypeOf<SettingsView>()
    expectTypeOf<Out<'export-ledger-page'>>().toEqualTypeOf<{ rows: ExportRow[]; next: string | null }>()
    expectTypeOf<Out<'get-tab-events'>>().toEqualTypeOf<TabEventsView>()
    expectTypeOf<Out<'check-pointer'>>().toEqualTypeOf<CheckReport>()
    expectTypeOf<Out<'ack-repairs'>>().toEqualTypeOf<null>()
  })

  it('cover every message, and nothing else', () => {
    expectTypeOf<keyof typeof uiOutputGuards>().toEqualTypeOf<keyof UiOutputs>()
    for (const [type, guard] of Object.entries(uiOutputGuards)) expect(guard(undefined), type).toBe(false)
  })
})

/** `base` with one field replaced (or removed, for undefined): the shapes a page must refuse. */
const withField = (base: object, key: string, value: unknown): unknown => {
  const copy: Record<string, unknown> = { ...base }
  if (value === undefined) Reflect.deleteProperty(copy, key)
  else copy[key] = value
  return copy
}

const amountCases: [string, unknown][] = [
  ['a fractional amount', amount('1.5')],
  ['a negative amount', amount('-1')],
  ['an amount with a leading zero', amount('007')],
  ['an amount as a number', { ...amount('1'), value: 1 }],
  ['an amount with a space', amount(' 1')],
  ['an amount in exponent form', amount('1e9')],
  ['an amount of 129 digits', amount('1'.repeat(129))],
  ['an amount without a code', { value: '1', scale: 9 }],
  ['an amount with an empty code', { ...amount('1'), code: '' }],
  ['an amount with a scale of 256', { ...amount('1'), scale: 256 }],
  ['an amount with a fractional scale', { ...amount('1'), scale: 1.5 }],
  ['an amount with an extra field', { ...amount('1'), rate: '1' }],
]

describe('get-tab-status', () => {
  const guard = uiOutputGuards['get-tab-status']
  it.each<TabStatus>([
    { kind: 'unavailable' }, { kind: 'not-monetized' }, { kind: 'never' },
    { kind: 'invalid', input: 'http://x.example/p', reason: 'needs https' },
    paying,
    { ...paying, phase: 'retrying', reason: 'The receiver answered HTTP 500. Trying again in 2 s.', sent: null, delivered: null, firstPaidAt: null, timeline: [] },
    { ...paying, simulated: true },
    { ...paying, receivers: 3 },
  ])('takes %j', (status) => { expect(guard(status)).toBe(true) })

  it.each<[string, unknown]>([
    ['an unknown kind', { kind: 'paying' }],
    ['a field too many', { kind: 'never', reason: 'x' }],
    ['an invalid tag without its reason', { kind: 'invalid', input: 'x' }],
    ['an unknown phase', { ...paying, phase: 'sending' }],
    ['a missing field', withField(paying, 'seenAt', undefined)],
    ['an extra field', { ...paying, rate: '0.36' }],
    ['a fractional time', { ...paying, seenAt: 1.5 }],
    ['a time as a string', { ...paying, firstPaidAt: '1' }],
    ['simulated: false (it is absent then)', { ...paying, simulated: false }],
    ['receivers as a string', { ...paying, receivers: '3' }],
    ['an unknown timeline point', { ...paying, timeline: [{ point: 'done', at: 1 }] }],
    ['a timeline longer than its points', { ...paying, timeline: Array.from({ length: 7 }, () => ({ point: 'start', at: 1 })) }],
    ['a reason that runs away', { ...paying, reason: 'x'.repeat(70_000) }],
    ...amountCases.map(([name, a]): [string, unknown] => [`${name} sent`, { ...paying, sent: a }]),
    ['a delivered amount that is a number', { ...paying, delivered: 100 }],
  ])('refuses %s', (_name, status) => { expect(guard(status)).toBe(false) })
})

describe('the settings view (get-settings, save-settings, forget-uplink, set-paused, set-site, import-settings)', () => {
  const guard = uiOutputGuards['get-settings']
  const uplink = (uplinkState: unknown): unknown => ({ ...settingsView, uplinkState })

  it.each<[string, SettingsView]>([
    ['a connected uplink', settingsView],
    ['no uplink', { ...settingsView, uplink: null, uplinkState: { state: 'not-configured' }, sites: {} }],
    ['an uplink connecting', { ...settingsView, uplinkState: { state: 'connecting', host: '127.0.0.1:7768' } }],
    ['an uplink that failed', { ...settingsView, uplinkState: { state: 'failed', host: 'wallet.example', reason: 'refused', at: 3 } }],
    ['settings that could not be read', { ...settingsView, uplink: null, readError: 'Trickle could not read its settings: IO error' }],
    ['a weekly budget and a long rate', { ...settingsView, ratePerHour: '0.000000000000000001', budget: { amount: '123456789012.5', period: 'weekly', renewDay: 0 } }],
  ])('takes %s', (_name, view) => { expect(guard(view)).toBe(true) })

  it('is the guard of every message that answers with the settings', () => {
    for (const type of ['save-settings', 'forget-uplink', 'set-paused', 'set-site', 'import-settings'] as const) expect(uiOutputGuards[type]).toBe(guard)
  })

  it.each<[string, unknown]>([
    ['a rate that is not a decimal', { ...settingsView, ratePerHour: 'lots' }],
    ['a rate with spaces', { ...settingsView, ratePerHour: ' 0.36' }],
    ['a rate as a number', { ...settingsView, ratePerHour: 0.36 }],
    ['a negative budget', { ...settingsView, budget: { ...settingsView.budget, amount: '-5' } }],
    ['a budget in exponent form', { ...settingsView, budget: { ...settingsView.budget, amount: '5e3' } }],
    ['an unknown budget period', { ...settingsView, budget: { ...settingsView.budget, period: 'daily' } }],
    ['a budget with an extra field', { ...settingsView, budget: { ...settingsView.budget, currency: 'USD' } }],
    ['a site cap that is not a decimal', { ...settingsView, sites: { 'https://news.example': siteRules({ cap: '1,5' }) } }],
    ['a site without a field', { ...settingsView, sites: { 'https://news.example': { ratePerHour: null, cap: null, paused: false, never: false } } }],
    ['a site keyed by a path, not an origin', { ...settingsView, sites: { 'https://news.example/a': siteRules({ paused: true }) } }],
    ['a site keyed by a host alone', { ...settingsView, sites: { 'news.example': siteRules({ paused: true }) } }],
    ['more sites than Trickle keeps', { ...settingsView, sites: Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`https://s${i}.example`, siteRules({ paused: true })])) }],
    ['the uplink URL itself', { ...settingsView, uplinkUrl: 'btp+wss://alice:secret@wallet.example' }],
    ['a missing read error', withField(settingsView, 'readError', undefined)],
    ['a fractional idle time', { ...settingsView, idleMinutes: 2.5 }],
    ['an unknown uplink state', uplink({ state: 'online', host: 'x' })],
    ['a connected uplink without its asset', uplink({ state: 'connected', host: 'x', address: 'test.a', at: 1 })],
    ['a connected uplink with a float scale', uplink({ state: 'connected', host: 'x', asset: { code: 'USD', scale: 9.5 }, address: 'test.a', at: 1 })],
    ['an asset with an extra field', uplink({ state: 'connected', host: 'x', asset: { code: 'USD', scale: 9, value: '1' }, address: 'test.a', at: 1 })],
    ['a failed uplink without a reason', uplink({ state: 'failed', host: 'x', at: 1 })],
  ])('refuses %s', (_name, view) => { expect(guard(view)).toBe(false) })
})

describe('get-overview', () => {
  const guard = uiOutputGuards['get-overview']
  const budget = (over: Record<string, unknown>): unknown => ({ ...overview, budget: { ...overview.budget, ...over } })

  it('takes an overview of a paying tab, and of no tab before the asset is known', () => {
    expect(guard(overview)).toBe(true)
    expect(guard({
      ...overview, status: null, site: null, siteRules: null, asset: null, siteSpent: null, topSites: [], repairs: [],
      budget: { ...overview.budget, amount: null, spent: null, held: null, remaining: null },
    })).toBe(true)
  })

  it.each<[string, unknown]>([
    ['a status of the wrong shape', { ...overview, status: { kind: 'monetized' } }],
    ['a missing field', withField(overview, 'repairs', undefined)],
    ['an extra field', { ...overview, uplinkUrl: 'btp+ws://x' }],
    ['paused as a string', { ...overview, paused: 'false' }],
    ['a period that is not a day', budget({ period: { start: '2026-11', end: '2026-12-01', kind: 'monthly' } })],
    ['a period that is not a real day', budget({ period: { start: '2026-02-30', end: '2026-03-01', kind: 'monthly' } })],
    ['a period of an unknown kind', budget({ period: { start: '2026-11-01', end: '2026-12-01', kind: 'yearly' } })],
    ...amountCases.map(([name, a]): [string, unknown] => [`${name} spent`, budget({ spent: a })]),
    ['a remaining amount as a float', budget({ remaining: 4.9999 })],
    ['a budget without held', budget({ held: undefined })],
    ['more top sites than the popup lists', { ...overview, topSites: Array.from({ length: TOP_SITES + 1 }, (_, i) => ({ site: `https://s${i}.example`, sent: amount('1') })) }],
    ['a top site without its amount', { ...overview, topSites: [{ site: 'https://x.example' }] }],
    ['a repair of an unknown kind', { ...overview, repairs: [{ at: 1, kind: 'disk', reason: 'x' }] }],
    ['a repair that carries the stored value', { ...overview, repairs: [{ at: 1, kind: 'settings', reason: 'x', value: { uplinkUrl: 'btp+ws://secret' } }] }],
    ['a sparse repairs list', { ...overview, repairs: [, overview.repairs[0]] }],
  ])('refuses %s', (_name, o) => { expect(guard(o)).toBe(false) })
})

describe('get-tab-events', () => {
  const guard = uiOutputGuards['get-tab-events']
  const event = tabEvents.events[0]
  it('takes a tab\'s frames, tags and events, or none', () => {
    expect(guard(tabEvents)).toBe(true)
    expect(guard({ frames: [], tags: [], events: [] })).toBe(true)
  })

  it.each<[string, unknown]>([
    ['a frame with a string id', { ...tabEvents, frames: [{ ...tabEvents.frames[0], frameId: '0' }] }],
    ['a tag with an unknown verdict', { ...tabEvents, tags: [{ ...tabEvents.tags[0], verdict: 'maybe' }] }],
    ['a tag of another kind', { ...tabEvents, tags: [{ ...tabEvents.tags[0], kind: 'script' }] }],
    ['an event without its frame', { ...tabEvents, events: [withField(event ?? {}, 'frameId', undefined)] }],
    ['an event of an unknown type', { ...tabEvents, events: [{ ...event, type: 'click' }] }],
    ['an event with a nested field', { ...tabEvents, events: [{ ...event, fields: { amount: { value: '1' } } }] }],
    ['an event with an extra field', { ...tabEvents, events: [{ ...event, page: 'x' }] }],
    ['a runaway event list', { ...tabEvents, events: Array.from({ length: 1001 }, () => event) }],
    ['no events list', withField(tabEvents, 'events', undefined)],
  ])('refuses %s', (_name, v) => { expect(guard(v)).toBe(false) })
})

describe('check-pointer', () => {
  const guard = uiOutputGuards['check-pointer']
  const unpaid = withField(report, 'payment', undefined)
  it('takes a report with or without its payment', () => {
    expect(guard(report)).toBe(true)
    expect(guard(unpaid)).toBe(true)
    expect(guard({ ...report, ok: true, failed: null, payment: { sent: amount('100'), delivered: amount('1', { code: 'EUR', scale: 2 }), rate: '1.23457e+21' } })).toBe(true)
  })

  it.each<[string, unknown]>([
    ['an unknown step', { ...report, steps: [{ step: 'dns', ok: true, ms: 0, detail: 'x' }] }],
    ['a step without its detail', { ...report, steps: [{ step: 'syntax', ok: true, ms: 0 }] }],
    ['a step with a field too many', { ...report, steps: [{ step: 'syntax', ok: true, ms: 0, detail: 'x', hint: 'y' }] }],
    ['a fix that is not text', { ...report, steps: [{ step: 'syntax', ok: false, ms: 0, detail: 'x', fix: 1 }] }],
    ['a failed step that is not a step', { ...report, failed: 'everything' }],
    ['a time that is not ISO', { ...report, at: 'yesterday' }],
    ['a payment with a fractional amount', { ...report, payment: { sent: amount('0.5'), delivered: null, rate: null } }],
    ['a payment without its rate', { ...report, payment: { sent: amount('1'), delivered: null } }],
    ['a rate as a number', { ...report, payment: { sent: amount('1'), delivered: null, rate: 1 } }],
    ['a rate that is not a number', { ...report, payment: { sent: amount('1'), delivered: null, rate: 'NaN' } }],
    ['an extra field', { ...report, receipt: null }],
    ['too many steps', { ...report, steps: Array.from({ length: 19 }, () => report.steps[0]) }],
  ])('refuses %s', (_name, v) => { expect(guard(v)).toBe(false) })
})

describe('the exports and ack-repairs', () => {
  it('exports are text, bounded', () => {
    expect(uiOutputGuards['export-settings']('{"trickle":"settings"}')).toBe(true)
    expect(uiOutputGuards['export-settings']({ trickle: 'settings' })).toBe(false)
    expect(uiOutputGuards['export-settings']('x'.repeat(1_000_001))).toBe(false)
    const row = { day: '2026-11-22', site: 'https://a.example', receiver: 'https://w.example/a', source: { code: 'USD', scale: 9 }, destination: { code: 'USD', scale: 6 }, sent: '100', delivered: '0', unconfirmed: '0', ms: 1000, packets: 1 }
    expect(uiOutputGuards['export-ledger-page']({ rows: [row], next: 'k' })).toBe(true)
    expect(uiOutputGuards['export-ledger-page']({ rows: [], next: null })).toBe(true)
    expect(uiOutputGuards['export-ledger-page']({ rows: [{ ...row, sent: '-1' }], next: null })).toBe(false)
    expect(uiOutputGuards['export-ledger-page']({ rows: [{ ...row, id: 'x' }], next: null })).toBe(false)
    expect(uiOutputGuards['export-ledger-page']({ rows: Array.from({ length: 2001 }, () => row), next: null })).toBe(false)
    expect(uiOutputGuards['export-ledger-page']('day,site\r\n')).toBe(false)
  })

  it('ack-repairs answers null, nothing else', () => {
    expect(uiOutputGuards['ack-repairs'](null)).toBe(true)
    expect(uiOutputGuards['ack-repairs'](undefined)).toBe(false)
    expect(uiOutputGuards['ack-repairs']({})).toBe(false)
    expect(uiOutputGuards['ack-repairs'](0)).toBe(false)
  })
})

describe('the combinators the reply guards add', () => {
  it('exactWithOptional: required keys present, optional ones absent or well-formed, no others', () => {
    const g = exactWithOptional({ a: isString }, { b: isSafeInteger })
    expectTypeOf<GuardType<typeof g>>().toEqualTypeOf<{ a: string; b?: number }>()
    expect(g({ a: 'x' })).toBe(true)
    expect(g({ a: 'x', b: 1 })).toBe(true)
    expect(g({ a: 'x', b: undefined })).toBe(true)
    expect(g({ a: 'x', b: '1' })).toBe(false)
    expect(g({ b: 1 })).toBe(false)
    expect(g({ a: 'x', c: 1 })).toBe(false)
    expect(g({ a: undefined })).toBe(false)
    expect(g(null)).toBe(false)
  })

  it('isRecordOf: every key and value checked, and their number bounded', () => {
    const g = isRecordOf(isMatching(/^[a-z]+$/, 8), isBoolean, 2)
    expect(g({})).toBe(true)
    expect(g({ a: true, b: false })).toBe(true)
    expect(g({ a: true, b: false, c: true })).toBe(false)
    expect(g({ A: true })).toBe(false)
    expect(g({ a: 'true' })).toBe(false)
    expect(g([true])).toBe(false)
  })

  it('isMatching: a string that matches, within its length', () => {
    const g = isMatching(/^\d+$/, 3)
    expect(g('123')).toBe(true)
    expect(g('1234')).toBe(false)
    expect(g('12a')).toBe(false)
    expect(g(12)).toBe(false)
  })
})
