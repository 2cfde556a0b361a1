// The pages' client (`ask`) and the worker's real replies. Every kind of reply the worker's UI handler
// gives, over in-memory storage, a monetizer paying fake receivers and the pointer tester asking real
// HTTP receivers, is read through `ask` as the popup reads it (after a JSON round trip, as Chrome sends
// messages) and checked by its guard (also after a structured clone, as Firefox sends them): a guard
// that refused a real reply would break the page. A reply of the wrong shape becomes an error instead.
import 'fake-indexeddb/auto'
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { Runtime, Storage } from 'webextension-polyfill'
import { Ledger } from '../../src/background/ledger/ledger.ts'
import { createUiHandler } from '../../src/background/messaging/ui-api.ts'
import { MAX_FRAMES_PER_TAB } from '../../src/background/pages/monetizer.ts'
import { Uplink } from '../../src/background/payment/uplink.ts'
import { SettingsStore } from '../../src/background/platform/settings-store.ts'
import { checkPointer } from '../../src/background/site-owner/pointer-check.ts'
import { TESTER_SITE } from '../../src/background/site-owner/tester.ts'
import { EVENTS_PER_TAB, TabEvents } from '../../src/background/site-owner/tab-events.ts'
import { MAX_TAGS_REPORTED, type PageSnapshot, type UiOutputs, type UiToBackground } from '../../src/shared/messages.ts'
import { err, ok } from '../../src/shared/result.ts'
import { uiOutputGuards } from '../../src/shared/ui-outputs.ts'
import { exportRowOf } from '../../src/shared/ledger-file.ts'
import { seenEvent } from '../../src/shared/wm-channel.ts'
import { ask } from '../../src/ui/api.ts'
import { fakePlugin, harness, memoryArea, MemoryLedger, monetizerWorld, paySeconds, quiet, unreadableArea } from './fakes.ts'
import { entry, EXTENSION_ID, EXTENSION_ORIGIN, extensionPage, link, siteRules, snapshot, spspAnswer } from './fixtures.ts'
import { serveReceivers } from './http-receivers.ts'
import { amount, overview, paying, report, settingsView } from './ui-samples.ts'

const { sendMessage } = vi.hoisted(() => ({ sendMessage: vi.fn<(message: unknown) => Promise<unknown>>() }))
vi.mock('webextension-polyfill', () => ({ default: { runtime: { sendMessage } } }))
afterEach(() => { sendMessage.mockReset() })

const popup = extensionPage('popup')
const options = extensionPage('options')
const NEVER = 'https://never.example'
const SIMULATED = 'https://simulated.example'
const site = siteRules()

type Handler = ReturnType<typeof createUiHandler>

/**
 * The worker's UI handler over in-memory parts; receivers whose URL says "refuses" answer 404. The
 * tester's payments arrive, or with `noRoute` find no route.
 */
let ledgers = 0

function worker(opts: { area?: Storage.StorageArea; noRoute?: boolean; pagePresent?: (tabId: number) => Promise<string | null> } = {}) {
  const h = harness({
    querySpsp: async (url) => url.includes('refuses')
      ? err({ step: 'status', message: 'The receiver answered HTTP 404.', retryable: false, status: 404 })
      : ok(spspAnswer(url)),
  })
  const ledger = new MemoryLedger()
  // The history's replies come from a real ledger (fake-indexeddb) that tests fill themselves.
  const history = new Ledger({ name: `ui-replies-${++ledgers}`, timeZone: 'UTC' })
  const w = monetizerWorld(h, { ledger, settings: { sites: { [NEVER]: { ...site, never: true }, [SIMULATED]: { ...site, simulate: true } } } })
  // The plugin connects at once; ILDCP is answered by the Uplink's own fake.
  const uplink = new Uplink({ createPlugin: () => fakePlugin(), ildcp: async () => ({ clientAddress: 'test.trickle.wallet.abc', assetCode: 'USD', assetScale: 9 }), now: Date.now })
  const settings = new SettingsStore(opts.area ?? memoryArea(), { log: quiet })
  const events = new TabEvents()
  let repairs = [{ id: 'r1', at: 5, kind: 'ledger-row' as const, reason: 'A history row was damaged (sent not valid).' }]
  const ui = createUiHandler({
    extensionId: EXTENSION_ID, extensionOrigin: EXTENSION_ORIGIN, settings, uplink, monetizer: w.m, budget: w.budget, log: quiet, events, ready: Promise.resolve(),
    ...(opts.pagePresent === undefined ? {} : { pagePresent: opts.pagePresent }),
    ledger: {
      // The export's pages, from the same in-memory rows (readExportPage's paging is tested on IndexedDB).
      exportPage: async (after: string | null) => ({ rows: ledger.rows().filter((r) => after === null || r.id > after).map(exportRowOf), next: null }),
      dayTotals: async (range) => history.dayTotals(range),
      statement: async (range) => history.statement(range),
      siteDays: async (site, range) => history.siteDays(site, range),
      repairs: async () => repairs,
      acknowledgeRepairs: async (upTo?: number) => { repairs = repairs.filter((r) => upTo !== undefined && r.at > upTo) },
    },
    // The real tester's walk over HTTP; its STREAM payment (sendTestPayment, tested on its own) is replaced.
    checkPointer: (pointer, pay) => checkPointer(pointer, pay
      ? {
          pay: async (_answer, connected) => {
            connected()
            if (opts.noRoute === true) return { ok: false, error: { stage: 'stream', message: 'F02 Unreachable: no route to test.x.y' } }
            return { ok: true, value: { sent: 100_000n, delivered: 99n, source: { code: 'USD', scale: 9 }, destination: { code: 'EUR', scale: 6 } } }
          },
        }
      : { skipReason: 'Skipped: no test payment was asked for.' }),
  })
  return { ui, h, w, uplink, settings, events, ledger, history }
}

const kindsRead = new Set<string>()

/**
 * Sends one request through `ask` to the real handler, as the page would; the reply must be a success
 * that the page can read. Returns what the page got.
 */
async function read<K extends keyof UiToBackground>(ui: Handler, type: K, input: UiToBackground[K]['input'], sender: Runtime.MessageSender = popup): Promise<UiToBackground[K]['output']> {
  let raw: unknown
  sendMessage.mockImplementationOnce(async (message) => {
    raw = await ui(message, sender)
    return JSON.parse(JSON.stringify(raw)) as unknown
  })
  const got = await ask(type, input)
  expect(raw, type).toMatchObject({ ok: true })
  const value = (raw as { value: unknown }).value
  expect(got, `${type}: ${JSON.stringify(value).slice(0, 2000)}`).toEqual({ ok: true, value: JSON.parse(JSON.stringify(value)) as unknown })
  expect(uiOutputGuards[type](value), type).toBe(true)
  expect(uiOutputGuards[type](structuredClone(value)), type).toBe(true)
  kindsRead.add(type)
  if (!got.ok) throw new Error(got.error)
  return got.value
}

/** A fresh visit's page linking `hrefs`, each first seen now. */
const page = (hrefs: string[], over: Partial<PageSnapshot> = {}): PageSnapshot =>
  snapshot({ visitId: crypto.randomUUID(), tags: hrefs.map((href) => link(href, Date.now())), ...over })

describe('the worker\'s real replies, read through ask()', () => {
  it('a tab that never reported: asks whether our script is there (a page with no tag does not connect)', async () => {
    const asked: number[] = []
    const pages: Record<number, string | null | Error> = { 20: 'https://quiet.example/article', 21: `${NEVER}/page`, 22: null, 23: new Error('No tab with id: 23') }
    const { ui, w } = worker({
      pagePresent: async (tabId) => {
        asked.push(tabId)
        const answer = pages[tabId]
        if (answer instanceof Error) throw answer
        return answer ?? null
      },
    })
    w.m.pageState(2, page([]), 'https://plain.example/')
    await read(ui, 'set-site', { site: NEVER, rules: { ...site, never: true } }, options)
    const status = async (tabId: number) => read(ui, 'get-tab-status', { tabId })
    expect(await status(20)).toEqual({ kind: 'not-monetized' })
    expect(await status(21)).toEqual({ kind: 'never' })
    expect(await status(22)).toEqual({ kind: 'unavailable' })
    expect(await status(23)).toEqual({ kind: 'unavailable' })
    // The popup's controls name the page's site, from the address the browser gave.
    expect(await read(ui, 'get-overview', { tabId: 20 })).toMatchObject({ site: 'https://quiet.example', status: { kind: 'not-monetized' } })
    expect(await read(ui, 'get-overview', { tabId: 22 })).toMatchObject({ site: null, status: { kind: 'unavailable' }, siteRules: null })
    // A tab that reported is answered from its report: nobody is asked.
    asked.length = 0
    expect(await status(2)).toEqual({ kind: 'not-monetized' })
    expect(asked).toEqual([])
  })

  it('tab statuses of every kind, the overview, the event view and the ledger export', async () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 22, 12) })
    try {
      const { ui, h, w, events } = worker()
      const { m } = w
      m.pageState(2, page([]), 'https://plain.example/')
      m.pageState(3, page(['http://insecure.example/pay']), 'https://invalid.example/')
      m.pageState(4, page(['https://r.example/never']), `${NEVER}/`)
      m.pageState(5, page(['https://r.example/alice']), 'https://news.example/a')
      m.pageState(6, page(['https://r.example/a', 'https://r.example/b', 'https://r.example/c']), 'https://shared.example/')
      m.pageState(7, page(['https://r.example/sim']), `${SIMULATED}/`)
      m.pageState(8, page(['https://r.example/refuses']), 'https://refused.example/')
      m.pageState(9, page(['https://r.example/hidden'], { visible: false }), 'https://hidden.example/')
      await paySeconds(h, 5)

      const status = async (tabId: number) => read(ui, 'get-tab-status', { tabId })
      expect(await status(1)).toEqual({ kind: 'unavailable' })
      expect(await status(2)).toEqual({ kind: 'not-monetized' })
      expect(await status(3)).toMatchObject({ kind: 'invalid' })
      expect(await status(4)).toEqual({ kind: 'never' })
      const paid = await status(5)
      expect(paid).toMatchObject({ kind: 'monetized', phase: 'paying', sent: { code: 'USD', scale: 9 }, delivered: { code: 'USD', scale: 6 } })
      expect(paid.kind === 'monetized' && paid.timeline.length).toBeGreaterThan(2)
      expect(await status(6)).toMatchObject({ kind: 'monetized', receivers: 3 })
      expect(await status(7)).toMatchObject({ kind: 'monetized', simulated: true })
      expect(await status(8)).toMatchObject({ kind: 'monetized', phase: 'failed', reason: expect.stringMatching(/404/) as unknown })
      expect(await status(9)).toMatchObject({ kind: 'monetized', phase: 'paused' })

      const o = await read(ui, 'get-overview', { tabId: 5 })
      expect(o).toMatchObject({ site: 'https://news.example', status: { phase: 'paying' }, repairs: [{ at: 5 }] })
      expect(o.topSites.length).toBeGreaterThan(1)
      expect(BigInt(o.budget.spent?.value ?? '0')).toBeGreaterThan(0n)
      await read(ui, 'get-overview', { tabId: null })
      await read(ui, 'get-overview', { tabId: 4 })
      expect(await read(ui, 'ack-repairs', { upTo: 5 })).toBeNull()
      expect((await read(ui, 'get-overview', { tabId: 1 })).repairs).toEqual([])

      // The event view at the worker's own limits: every frame it follows, each with all the tags a
      // frame may report (at their longest), and every event it keeps.
      for (let frameId = 0; frameId < MAX_FRAMES_PER_TAB + 4; frameId++) {
        const tags = Array.from({ length: MAX_TAGS_REPORTED }, (_, i) => `https://r${i}.example/${'x'.repeat(4096 - 30)}`.slice(0, 4096))
        m.pageState(10, page(tags), `https://frame${frameId}.example/`, frameId)
        await vi.advanceTimersByTimeAsync(200)
      }
      for (let i = 0; i < EVENTS_PER_TAB + 5; i++) {
        events.add(10, i % 3, seenEvent(i % 2 === 0
          ? { api: 'link', type: 'monetization', init: { amountSent: { value: '0.000100', currency: 'USD' }, paymentPointer: 'https://r.example/alice', incomingPayment: null, amount: '100', assetCode: 'USD', assetScale: 6, receipt: null } }
          : { api: 'v1', type: 'monetizationprogress', state: 'started', detail: { paymentPointer: '$r.example/alice', requestId: crypto.randomUUID(), amount: '100', assetCode: 'USD', assetScale: 6, receipt: null } }, Date.now()))
      }
      const view = await read(ui, 'get-tab-events', { tabId: 10 }, extensionPage('events'))
      expect(view.frames).toHaveLength(MAX_FRAMES_PER_TAB)
      expect(view.tags).toHaveLength(MAX_FRAMES_PER_TAB * MAX_TAGS_REPORTED)
      expect(view.events).toHaveLength(EVENTS_PER_TAB)
      await read(ui, 'get-tab-events', { tabId: 5 }, extensionPage('events'))

      const exported = await read(ui, 'export-ledger-page', { after: null }, options)
      expect(exported.next).toBeNull()
      expect(exported.rows.some((r) => r.site === 'https://news.example')).toBe(true)
      for (let tabId = 1; tabId <= 10; tabId++) m.tabRemoved(tabId)
      await vi.advanceTimersByTimeAsync(60_000)
    } finally {
      vi.useRealTimers()
    }
  })

  it('the settings view through every change, with the uplink in each of its states', async () => {
    const { ui, uplink } = worker()
    expect(await read(ui, 'get-settings', null, options)).toMatchObject({ uplink: null, uplinkState: { state: 'not-configured' } })
    const budget = { amount: '12.50', period: 'weekly' as const, renewDay: 0 }
    const saved = await read(ui, 'save-settings', { uplinkUrl: 'btp+ws://:sandbox-token@127.0.0.1:7768', ratePerHour: ' 0.5 ', budget, idleMinutes: 5 }, options)
    expect(saved).toMatchObject({ ratePerHour: '0.5', uplink: { display: 'btp+ws://:•••@127.0.0.1:7768' } })
    await vi.waitFor(() => { expect(uplink.state.state).toBe('connected') })
    expect(await read(ui, 'get-settings', null, options)).toMatchObject({ uplinkState: { state: 'connected', asset: { code: 'USD', scale: 9 } } })
    uplink.reportFailed('Could not connect to the uplink: it refused the connection or could not be reached')
    expect(await read(ui, 'get-settings', null, options)).toMatchObject({ uplinkState: { state: 'failed' } })
    await read(ui, 'set-paused', { paused: true })
    await read(ui, 'set-site', { site: 'news.example/some/page', rules: { ratePerHour: '1', cap: ' 0.25', paused: false, never: false, simulate: true } })
    await read(ui, 'set-site', { site: 'http://localhost:8080', rules: { ...site, never: true } })
    const file = await read(ui, 'export-settings', null, options)
    const imported = await read(ui, 'import-settings', { text: file }, options)
    expect(imported.sites).toEqual({
      'https://news.example': { ratePerHour: '1', cap: '0.25', paused: false, never: false, simulate: true },
      'http://localhost:8080': { ...site, never: true },
    })
    expect(await read(ui, 'forget-uplink', null, options)).toMatchObject({ uplink: null, uplinkState: { state: 'not-configured' } })
  })

  it('the settings view when storage could not be read', async () => {
    const { ui, settings } = worker({ area: unreadableArea() })
    await settings.load()
    expect(await read(ui, 'get-settings', null, options)).toMatchObject({ readError: expect.stringMatching(/IO error: disk/) as unknown })
  })

  describe('the pointer tester, asking real HTTP receivers', () => {
    const receivers = serveReceivers()

    it.each<[string, string, { pay: boolean; noRoute?: boolean }, Partial<UiOutputs['check-pointer']>]>([
      ['a pointer that cannot be written', '$wallet.example:8443/alice', { pay: false }, { failed: 'syntax', url: null }],
      ['a receiver that is not there', '/404', { pay: false }, { failed: 'http' }],
      ['a receiver that is not a receiver', '/html', { pay: false }, { failed: 'headers' }],
      ['a receiver behind redirects, without paying', '/redirect-chain', { pay: false }, { ok: true }],
      ['a receiver paid', '/good', { pay: true }, { ok: true, payment: { sent: amount('100000'), delivered: amount('99', { code: 'EUR', scale: 6 }), rate: '0.990000' } }],
      ['a receiver with no route to it', '/good', { pay: true, noRoute: true }, { failed: 'stream' }],
    ])('%s', async (_name, pointer, { pay, noRoute }, expected) => {
      const { ui } = worker({ noRoute })
      const input = pointer.startsWith('/') ? receivers.base + pointer : pointer
      expect(await read(ui, 'check-pointer', { pointer: input, pay, amount: null }, extensionPage('tester'))).toMatchObject(expected)
    })
  })

  it('the history: days, a statement over days and over months, one site', async () => {
    const { ui, history } = worker()
    const at = Date.UTC(2026, 10, 22, 12)
    await history.record(entry({ at }), null)
    await history.record(entry({ at: at + 86_400_000, site: 'https://blog.example', destination: { code: 'EUR', scale: 2 } }), null)
    await history.record(entry({ at, site: TESTER_SITE }), null)
    const page = extensionPage('history')
    expect((await read(ui, 'get-history-days', { from: '2026-11-01', to: '2026-12-01' }, page)).days).toHaveLength(2)
    const month = await read(ui, 'get-statement', { from: '2026-11-01', to: '2026-12-01' }, page)
    expect(month.lines.map((l) => l.site)).toEqual(['https://blog.example', 'https://news.example', TESTER_SITE])
    expect(await read(ui, 'get-statement', { from: '2026-11-22', to: '2026-11-23' }, page)).toMatchObject({ lines: [{ site: 'https://news.example' }, { site: TESTER_SITE }] })
    expect(await read(ui, 'get-site-history', { site: 'news.example', from: '2026-01-01', to: '2027-01-01' }, page)).toMatchObject({ site: 'https://news.example', days: [{ day: '2026-11-22' }] })
    expect(await read(ui, 'get-site-history', { site: TESTER_SITE, from: '2026-01-01', to: '2027-01-01' }, page)).toMatchObject({ site: TESTER_SITE, days: [{ day: '2026-11-22' }] })
  })

  it('covered every kind of reply', () => {
    expect([...kindsRead].sort()).toEqual(Object.keys(uiOutputGuards).sort())
  })
})

describe('ask()', () => {
  it('sends the request and gives back a well-formed reply as it came', async () => {
    sendMessage.mockResolvedValueOnce({ ok: true, value: overview })
    expect(await ask('get-overview', { tabId: 3 })).toEqual({ ok: true, value: overview })
    expect(sendMessage).toHaveBeenCalledWith({ to: 'trickle-worker', type: 'get-overview', input: { tabId: 3 } })
  })

  const unreadable = (type: string): string => `Trickle's background worker sent a reply this page cannot read (the reply to "${type}").`

  it.each<[string, keyof UiOutputs, unknown]>([
    ['an overview whose spending is a fraction', 'get-overview', { ...overview, budget: { ...overview.budget, spent: amount('0.5') } }],
    ['an overview whose spending is a float', 'get-overview', { ...overview, siteSpent: { ...amount('1'), value: 1e-7 } }],
    ['an overview without its repairs', 'get-overview', { ...overview, repairs: undefined }],
    ['a status with a field too many', 'get-tab-status', { ...paying, uplinkUrl: 'btp+wss://alice:secret@wallet.example' }],
    ['settings whose budget is not a number', 'get-settings', { ...settingsView, budget: { ...settingsView.budget, amount: 'five' } }],
    ['the settings where a report was asked for', 'check-pointer', settingsView],
    ['a report where the settings were asked for', 'save-settings', report],
    ['an export page whose row has a float amount', 'export-ledger-page', { rows: [{ day: '2026-11-22', site: 's', receiver: 'r', source: { code: 'USD', scale: 9 }, destination: null, sent: '1.5', delivered: '0', unconfirmed: '0', ms: 0, packets: 1 }], next: null }],
    ['no value at all', 'get-settings', undefined],
    ['something where null was due', 'ack-repairs', { acknowledged: 5 }],
  ])('refuses %s, naming the request', async (_name, type, value) => {
    sendMessage.mockResolvedValueOnce({ ok: true, value })
    // The input matters not: the reply is what is checked.
    const got = await (ask as (t: keyof UiOutputs, i: unknown) => Promise<unknown>)(type, null)
    expect(got).toEqual({ ok: false, error: unreadable(type) })
  })

  it('passes on the worker\'s own errors, and says when there was no answer or no worker', async () => {
    sendMessage.mockResolvedValueOnce({ ok: false, error: 'Enter the rate as a number such as 0.36.' })
    expect(await ask('set-paused', { paused: true })).toEqual({ ok: false, error: 'Enter the rate as a number such as 0.36.' })
    sendMessage.mockResolvedValueOnce(undefined)
    expect(await ask('get-settings', null)).toEqual({ ok: false, error: 'Trickle\'s background worker did not answer.' })
    sendMessage.mockRejectedValueOnce(new Error('Receiving end does not exist.'))
    expect(await ask('get-settings', null)).toEqual({ ok: false, error: 'Could not reach Trickle\'s background worker: Receiving end does not exist.' })
  })
})
