// The whole worker's startup (services.ts) over damaged storage: it must come up, answer the pages
// and tell them the truth, instead of rejecting `ready` and going silent.
import 'fake-indexeddb/auto'
import { deleteDB, openDB } from 'idb'
import { beforeEach, describe, expect, it } from 'vitest'
import type { Browser } from 'webextension-polyfill'
import { createServices } from '../../src/background/services.ts'
import { LEDGER_DB } from '../../src/background/ledger/schema.ts'
import { DEFAULT_SETTINGS } from '../../src/shared/settings.ts'
import { firstSchemaDatabase, memoryArea, quiet } from './fakes.ts'
import { EXTENSION_ID, EXTENSION_ORIGIN, extensionPage, firstSchemaRow } from './fixtures.ts'

const options = extensionPage('options')
const popup = extensionPage('popup')
const NOW = Date.UTC(2026, 10, 22, 12)

function fakeBrowser(local: { get: (key: string) => Promise<Record<string, unknown>> }) {
  const writes: unknown[] = []
  const browser = {
    storage: {
      local: { get: local.get, set: async (items: unknown) => { writes.push(items) } },
      session: memoryArea(),
    },
    runtime: { id: EXTENSION_ID, getURL: (p: string) => `${EXTENSION_ORIGIN}${p}` },
    idle: { setDetectionInterval: () => undefined, queryState: async () => 'active' },
    windows: { getAll: async () => [] },
  } as unknown as Browser
  return { browser, writes }
}

async function damagedLedger(): Promise<void> {
  // The first schema, with the row that used to brick the extension.
  await firstSchemaDatabase(LEDGER_DB, [firstSchemaRow({ sent: 'xyz', ms: 1 })])
}

// Each test starts from an empty database (settings now live there, moved from storage.local).
beforeEach(async () => { await deleteDB(LEDGER_DB) })

describe('worker startup over damaged storage', () => {
  it('a ledger row with sent: "xyz" is set aside, startup completes, and the pages are answered and told', async () => {
    await damagedLedger()
    // No uplink: nothing here may open a socket (that a valid uplink survives is settings-store's test).
    const { browser } = fakeBrowser({ get: async () => ({ settings: { ...DEFAULT_SETTINGS, ratePerHour: '0.5' } }) })
    const services = createServices({ browser, fetch: globalThis.fetch, now: () => NOW, log: quiet })
    await expect(services.ready).resolves.toBeUndefined()
    const settings = await services.onMessage({ to: 'trickle-worker', type: 'get-settings', input: null }, options)
    expect(settings).toMatchObject({ ok: true, value: { readError: null, ratePerHour: '0.5' } })
    const overview = await services.onMessage({ to: 'trickle-worker', type: 'get-overview', input: { tabId: null } }, popup)
    expect(overview).toMatchObject({ ok: true, value: { repairs: [{ kind: 'ledger-row', at: NOW }] } })
    expect(await services.onMessage({ to: 'trickle-worker', type: 'ack-repairs', input: { upTo: NOW } }, popup)).toEqual({ ok: true, value: null })
    expect(await services.onMessage({ to: 'trickle-worker', type: 'get-overview', input: { tabId: null } }, popup)).toMatchObject({ ok: true, value: { repairs: [] } })
  })

  it('settings that cannot be read: startup completes on defaults, nothing is written, and the settings view says so', async () => {
    const { browser, writes } = fakeBrowser({ get: () => Promise.reject(new Error('IO error: disk')) })
    const services = createServices({ browser, fetch: globalThis.fetch, now: () => NOW, log: quiet })
    await expect(services.ready).resolves.toBeUndefined()
    const settings = await services.onMessage({ to: 'trickle-worker', type: 'get-settings', input: null }, options)
    expect(settings).toMatchObject({ ok: true, value: { readError: 'Trickle could not read its settings: IO error: disk' } })
    expect(await services.onMessage({ to: 'trickle-worker', type: 'set-paused', input: { paused: true } }, popup)).toMatchObject({ ok: false })
    expect(writes).toEqual([])
  })
})

describe('worker startup', () => {
  it('restricts storage.local to trusted contexts before reading the settings, where the browser can', async () => {
    const calls: string[] = []
    const { browser } = fakeBrowser({ get: async () => { calls.push('get'); return {} } })
    ;(browser.storage.local as unknown as { setAccessLevel: (o: unknown) => Promise<void> }).setAccessLevel = async (o) => { calls.push(`access ${JSON.stringify(o)}`) }
    const services = createServices({ browser, fetch: globalThis.fetch, now: () => NOW, log: quiet })
    await services.ready
    expect(calls[0]).toBe('access {"accessLevel":"TRUSTED_CONTEXTS"}')
    expect(calls).toContain('get')
  })

  it('moves the settings of an earlier version out of storage.local into its own database', async () => {
    const local: Record<string, unknown> = { settings: { ...DEFAULT_SETTINGS, ratePerHour: '0.75' } }
    const { browser } = fakeBrowser({ get: async (key) => ({ [key]: local[key] }) })
    ;(browser.storage.local as unknown as { remove: (k: string) => Promise<void> }).remove = async (k) => { Reflect.deleteProperty(local, k) }
    const first = createServices({ browser, fetch: globalThis.fetch, now: () => NOW, log: quiet })
    await first.ready
    expect(local).toEqual({})
    const db = await openDB(LEDGER_DB)
    expect(await db.get('settings', 'settings')).toMatchObject({ ratePerHour: '0.75' })
    db.close()
    const settings = await first.onMessage({ to: 'trickle-worker', type: 'get-settings', input: null }, options)
    expect(settings).toMatchObject({ ok: true, value: { ratePerHour: '0.75' } })
  })
})
