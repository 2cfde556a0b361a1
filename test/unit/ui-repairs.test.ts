// The pages must hear the truth when storage is damaged: the settings view says when the settings
// could not be read (never "no uplink"), the worker answers even if startup partly failed, and the
// popup's overview lists the repairs until the user dismisses them with the guarded `ack-repairs`.
import { describe, expect, it } from 'vitest'
import type { Storage } from 'webextension-polyfill'
import { SettingsStore } from '../../src/background/platform/settings-store.ts'
import { createUiHandler } from '../../src/background/messaging/ui-api.ts'
import type { Repair } from '../../src/background/ledger/ledger.ts'
import { isUiEnvelope, type SettingsView } from '../../src/shared/messages.ts'
import { DEFAULT_SETTINGS, toPublic } from '../../src/shared/settings.ts'
import { repairSummary, uplinkSummary } from '../../src/ui/format.ts'
import { harness, memoryArea, monetizerWorld, offlineUplink, quiet, unreadableArea } from './fakes.ts'
import { emptyHistory, EXTENSION_ID, EXTENSION_ORIGIN, extensionPage } from './fixtures.ts'

const options = extensionPage('options')
const popup = extensionPage('popup')

function world(opts: { area?: Storage.StorageArea; ready?: Promise<void> } = {}) {
  const uplink = offlineUplink()
  const { m: monetizer, budget } = monetizerWorld(harness({ uplinkConfigured: () => false }))
  const settings = new SettingsStore(opts.area ?? memoryArea(), { log: quiet })
  let repairs: Repair[] = [{ id: 'r1', at: 5, kind: 'ledger-row', reason: 'sent is not a non-negative integer string' }]
  const acks: (number | undefined)[] = []
  const ledger = {
    exportPage: async () => ({ rows: [], next: null }),
    ...emptyHistory,
    repairs: async () => repairs,
    acknowledgeRepairs: async (upTo?: number) => { acks.push(upTo); repairs = repairs.filter((r) => upTo !== undefined && r.at > upTo) },
  }
  const ui = createUiHandler({ extensionId: EXTENSION_ID, extensionOrigin: EXTENSION_ORIGIN, settings, uplink, monetizer, budget, ledger, ready: opts.ready ?? Promise.resolve(), log: quiet })
  return { ui, settings, acks }
}

describe('the settings view when storage is damaged', () => {
  it('says the settings could not be read, rather than that there is no uplink', async () => {
    const { ui, settings } = world({ area: unreadableArea() })
    await settings.load()
    const reply = await ui({ to: 'trickle-worker', type: 'get-settings', input: null }, options)
    expect(reply).toMatchObject({ ok: true, value: { readError: expect.stringMatching(/^Trickle could not read its settings: .*IO error: disk/) as unknown } })
  })

  it('refuses to save over settings it could not read', async () => {
    const { ui, settings } = world({ area: unreadableArea() })
    await settings.load()
    const reply = await ui({ to: 'trickle-worker', type: 'set-paused', input: { paused: true } }, popup)
    expect(reply).toMatchObject({ ok: false, error: expect.stringMatching(/could not read its settings/) as unknown })
  })

  it('has no read error when the settings were read', async () => {
    const { ui, settings } = world()
    await settings.load()
    expect(await ui({ to: 'trickle-worker', type: 'get-settings', input: null }, options)).toMatchObject({ ok: true, value: { readError: null, uplink: null } })
  })

  it('answers even when startup failed', async () => {
    const ready = Promise.reject(new Error('startup failed'))
    ready.catch(() => undefined)
    const { ui } = world({ ready })
    expect(await ui({ to: 'trickle-worker', type: 'get-settings', input: null }, options)).toMatchObject({ ok: true })
  })
})

describe('repairs in the overview', () => {
  it('are listed until acknowledged through ack-repairs', async () => {
    const { ui, acks } = world()
    const first = await ui({ to: 'trickle-worker', type: 'get-overview', input: { tabId: null } }, popup)
    expect(first).toMatchObject({ ok: true, value: { repairs: [{ at: 5, kind: 'ledger-row', reason: 'sent is not a non-negative integer string' }] } })
    expect(await ui({ to: 'trickle-worker', type: 'ack-repairs', input: { upTo: 5 } }, popup)).toEqual({ ok: true, value: null })
    expect(acks).toEqual([5])
    expect(await ui({ to: 'trickle-worker', type: 'get-overview', input: { tabId: null } }, popup)).toMatchObject({ ok: true, value: { repairs: [] } })
  })

  it.each<[string, unknown]>([
    ['no input', null], ['a string', { upTo: '5' }], ['a fraction', { upTo: 1.5 }], ['an extra key', { upTo: 5, all: true }],
  ])('ack-repairs with %s is not a valid request', (_what, input) => {
    expect(isUiEnvelope({ to: 'trickle-worker', type: 'ack-repairs', input: { upTo: 5 } })).toBe(true)
    expect(isUiEnvelope({ to: 'trickle-worker', type: 'ack-repairs', input })).toBe(false)
    const { ui, acks } = world()
    expect(ui({ to: 'trickle-worker', type: 'ack-repairs', input }, popup)).toBeUndefined()
    expect(acks).toEqual([])
  })

  it('ack-repairs is refused from outside Trickle\'s pages', async () => {
    const { ui, acks } = world()
    expect(await ui({ to: 'trickle-worker', type: 'ack-repairs', input: { upTo: 5 } }, { id: EXTENSION_ID, url: 'https://evil.example/' })).toMatchObject({ ok: false })
    expect(acks).toEqual([])
  })
})

describe('what the pages say', () => {
  const view = (over: Partial<SettingsView> = {}): SettingsView => ({
    ...toPublic(DEFAULT_SETTINGS), uplinkState: { state: 'not-configured' }, readError: null, ...over,
  })

  it('the options page says "no uplink" only when the settings were read and hold none', () => {
    expect(uplinkSummary(view(), null)).toEqual({ text: 'No uplink set up yet.', error: false })
    expect(uplinkSummary(view({ readError: 'Trickle could not read its settings: IO error' }), null))
      .toEqual({ text: 'Trickle could not read its settings: IO error', error: true })
    expect(uplinkSummary(null, 'Could not reach Trickle\'s background worker: gone'))
      .toEqual({ text: 'Trickle could not read its settings: Could not reach Trickle\'s background worker: gone', error: true })
    expect(uplinkSummary(null, null)).toEqual({ text: 'Loading…', error: false })
    expect(uplinkSummary(view({ uplink: { display: 'btp+wss://a:•••@w.example' } }), null).text).toBe('Current uplink: btp+wss://a:•••@w.example')
  })

  it('the popup sums up the repairs for people', () => {
    expect(repairSummary([{ at: 1, kind: 'ledger-row', reason: 'x' }]))
      .toBe('Trickle repaired damaged records: 1 history row was damaged and set aside; what could be read of its amounts still counts against your budget.')
    expect(repairSummary([{ at: 1, kind: 'ledger-row', reason: 'x' }, { at: 2, kind: 'ledger-row', reason: 'y' }, { at: 3, kind: 'settings', reason: 'z' }]))
      .toBe('Trickle repaired damaged records: 2 history rows were damaged and set aside; what could be read of their amounts still counts against your budget; your settings were damaged, and the damaged parts were reset to their defaults.')
    expect(repairSummary([{ at: 1, kind: 'visit', reason: 'x' }])).toBe('Trickle repaired damaged records: 1 record of an open payment was damaged and set aside.')
  })
})
