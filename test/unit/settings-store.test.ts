// Settings are read at every worker start: neither a storage read that fails nor a garbage value may
// throw, a read failure must never be "repaired" by overwriting what is stored, and a damaged value is
// replaced by defaults only after a copy (without the uplink's secret) went to quarantine.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { Storage } from 'webextension-polyfill'
import { redactedSettingsCopy, SettingsStore, type SettingsQuarantine } from '../../src/background/platform/settings-store.ts'
import { DEFAULT_SETTINGS, migrateSettings } from '../../src/shared/settings.ts'
import { quiet } from './fakes.ts'

const UPLINK = 'btp+wss://alice:s3cret@wallet.example'

/** A storage area holding `initial`, recording every write. */
function area(initial: Record<string, unknown>, get?: () => Promise<Record<string, unknown>>) {
  const data = { ...initial }
  const writes: Record<string, unknown>[] = []
  const storage = {
    get: get ?? (async (key: string) => ({ [key]: structuredClone(data[key]) })),
    set: async (items: Record<string, unknown>) => { writes.push(structuredClone(items)); Object.assign(data, items) },
    remove: async () => undefined,
  } as unknown as Storage.StorageArea
  return { storage, data, writes }
}

function quarantine() {
  const entries: { value: unknown; reason: string }[] = []
  const q: SettingsQuarantine = async (value, reason) => { entries.push({ value, reason }) }
  return { q, entries }
}

describe('SettingsStore.load', () => {
  it('keeps working with defaults when storage cannot be read, and overwrites nothing', async () => {
    const a = area({ settings: { ...DEFAULT_SETTINGS, uplinkUrl: UPLINK } }, () => Promise.reject(new Error('IO error: disk')))
    const { q, entries } = quarantine()
    const store = new SettingsStore(a.storage, { quarantine: q, log: quiet })
    const loaded = await store.load()
    expect(loaded).toEqual(DEFAULT_SETTINGS)
    expect(store.readError).toMatch(/IO error: disk/)
    expect(a.writes).toEqual([])
    expect(entries).toEqual([])
    // Nor does anything saved while the settings are unread replace them.
    await expect(store.save({ ...DEFAULT_SETTINGS, paused: true })).rejects.toThrow(/could not read/)
    expect(a.writes).toEqual([])
    expect(a.data.settings).toEqual({ ...DEFAULT_SETTINGS, uplinkUrl: UPLINK })
  })

  it('reads again once storage works, and clears the error', async () => {
    let fail = true
    const stored = { ...DEFAULT_SETTINGS, uplinkUrl: UPLINK, ratePerHour: '1' }
    const a = area({}, async () => { if (fail) throw new Error('busy'); return { settings: stored } })
    const store = new SettingsStore(a.storage, { log: quiet })
    await store.load()
    fail = false
    expect(await store.load()).toEqual(stored)
    expect(store.readError).toBeNull()
  })

  it.each<[string, unknown]>([
    ['a string', 'garbage'], ['a number', 42], ['null', null], ['an array', [1, 2, 3]],
    ['an object of nonsense', { ratePerHour: { no: 1 }, budget: 'lots', idleMinutes: -3, sites: 'all' }],
  ])('replaces %s by defaults, after quarantining it', async (_what, garbage) => {
    const a = area({ settings: garbage })
    const { q, entries } = quarantine()
    const store = new SettingsStore(a.storage, { quarantine: q, log: quiet })
    expect(await store.load()).toEqual(DEFAULT_SETTINGS)
    expect(store.readError).toBeNull()
    expect(entries).toEqual([{ value: redactedSettingsCopy(garbage), reason: expect.stringMatching(/settings/) as unknown }])
    expect(a.data.settings).toEqual(DEFAULT_SETTINGS)
  })

  it('keeps a valid uplink out of a damaged settings object, and never puts it (or any secret) in quarantine', async () => {
    const bad = { version: 2, uplinkUrl: UPLINK, ratePerHour: 'fast', budget: { amount: 'many' }, note: 'btp+wss://bob:s3cret@x.example', sites: { 'https://a.example': { cap: 'token s3cret' } } }
    const a = area({ settings: bad })
    const { q, entries } = quarantine()
    const store = new SettingsStore(a.storage, { quarantine: q, log: quiet })
    const loaded = await store.load()
    expect(loaded).toEqual({ ...DEFAULT_SETTINGS, uplinkUrl: UPLINK })
    expect(entries).toHaveLength(1)
    const copy = JSON.stringify(entries[0]?.value)
    expect(copy).not.toContain('s3cret')
    expect(copy).not.toContain('wallet.example')
    expect(entries[0]?.value).not.toHaveProperty('uplinkUrl')
    expect(entries[0]?.reason).toMatch(/\(rate, budget, site rules\)/)
    expect(entries[0]?.reason).toMatch(/uplink was kept/)
    expect(entries[0]?.reason).not.toContain('s3cret')
    expect(a.data.settings).toEqual({ ...DEFAULT_SETTINGS, uplinkUrl: UPLINK })
  })

  it('does not replace damaged settings whose copy could not be quarantined (the raw value is all there is)', async () => {
    const a = area({ settings: 'garbage' })
    const store = new SettingsStore(a.storage, { quarantine: () => Promise.reject(new Error('no db')), log: quiet })
    expect(await store.load()).toEqual(DEFAULT_SETTINGS)
    expect(a.writes).toEqual([])
  })

  it('migrates a valid older object without calling it damaged', async () => {
    const a = area({ settings: { version: 1, uplinkUrl: UPLINK, ratePerHour: '0.5' } })
    const { q, entries } = quarantine()
    const store = new SettingsStore(a.storage, { quarantine: q, log: quiet })
    expect(await store.load()).toEqual({ ...DEFAULT_SETTINGS, uplinkUrl: UPLINK, ratePerHour: '0.5' })
    expect(entries).toEqual([])
    expect(a.data.settings).toEqual({ ...DEFAULT_SETTINGS, uplinkUrl: UPLINK, ratePerHour: '0.5' })
  })

  it('a fresh install (nothing stored) is not a repair', async () => {
    const a = area({})
    const { q, entries } = quarantine()
    await new SettingsStore(a.storage, { quarantine: q, log: quiet }).load()
    expect(entries).toEqual([])
  })

  it('does not throw when writing the repaired value fails', async () => {
    const a = area({ settings: 'garbage' })
    a.storage.set = () => Promise.reject(new Error('quota'))
    const store = new SettingsStore(a.storage, { log: quiet })
    await expect(store.load()).resolves.toEqual(DEFAULT_SETTINGS)
  })
})

const wild = fc.anything({ withBigInt: true, withNullPrototype: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true, withObjectString: true })
const fields = fc.record({
  version: fc.oneof(fc.constant(1), fc.constant(2), wild), uplinkUrl: fc.oneof(fc.constant(UPLINK), wild), ratePerHour: fc.oneof(fc.constant('0.5'), wild),
  budget: fc.oneof(fc.record({ amount: fc.oneof(fc.constant('5'), wild), period: wild, renewDay: fc.oneof(fc.integer(), wild) }), wild),
  paused: wild, idleMinutes: fc.oneof(fc.integer(), wild), sites: fc.oneof(fc.dictionary(fc.oneof(fc.webUrl(), fc.string()), wild), wild),
}, { requiredKeys: [] })

describe('fuzzing what may be stored', () => {
  it('migrateSettings takes anything and returns settings it would keep as they are', () => {
    fc.assert(fc.property(fc.oneof(wild, fields), (stored) => {
      const s = migrateSettings(stored)
      expect(migrateSettings(structuredClone(s))).toEqual(s)
    }), { numRuns: 500 })
  })

  it('the quarantined copy of anything is storable and holds no secret', () => {
    fc.assert(fc.property(fc.oneof(wild, fields), (stored) => {
      const copy = redactedSettingsCopy(stored)
      expect(() => structuredClone(copy)).not.toThrow()
      expect(JSON.stringify(copy, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '').not.toContain('s3cret')
    }), { numRuns: 500 })
  })

  it('SettingsStore.load never throws', async () => {
    await fc.assert(fc.asyncProperty(fc.oneof(wild, fields), async (stored) => {
      const store = new SettingsStore(area({}, async () => ({ settings: stored })).storage, { quarantine: async () => undefined, log: quiet })
      await store.load()
    }), { numRuns: 200 })
  })
})

describe('settings move out of storage.local (where content scripts may reach them)', () => {
  const saved = { ...structuredClone(DEFAULT_SETTINGS), uplinkUrl: UPLINK, ratePerHour: '0.25' }

  function legacyArea(initial: Record<string, unknown>, failRead = false) {
    const data = { ...initial }
    const removed: string[] = []
    return {
      data,
      removed,
      area: {
        get: async (key: string) => { if (failRead) throw new Error('storage unavailable'); return { [key]: structuredClone(data[key]) } },
        set: async (items: Record<string, unknown>) => { Object.assign(data, items) },
        remove: async (key: string) => { removed.push(key); Reflect.deleteProperty(data, key) },
      },
    }
  }

  it('moves an earlier version\'s settings to their own store and removes them from storage.local', async () => {
    const own = area({})
    const legacy = legacyArea({ settings: saved })
    const store = new SettingsStore(own.storage, { legacy: legacy.area, log: quiet })
    expect((await store.load()).uplinkUrl).toBe(UPLINK)
    expect(migrateSettings(own.data.settings)).toEqual(migrateSettings(saved))
    expect(legacy.data).toEqual({})
    // The next start reads its own store; what storage.local might hold again is not believed.
    legacy.data.settings = { ...saved, ratePerHour: '999999', budget: { ...saved.budget, amount: '999999999' } }
    const again = await new SettingsStore(own.storage, { legacy: legacy.area, log: quiet }).load()
    expect(again.ratePerHour).toBe('0.25')
    expect(legacy.data).toEqual({})
  })

  it('keeps the old copy when the new store cannot be written, and writes nothing when the old one cannot be read', async () => {
    const failing = { get: async () => ({}), set: async () => { throw new Error('quota') } }
    const legacy = legacyArea({ settings: saved })
    expect((await new SettingsStore(failing, { legacy: legacy.area, log: quiet }).load()).uplinkUrl).toBe(UPLINK)
    expect(legacy.data.settings).toBeDefined()
    expect(legacy.removed).toEqual([])

    const own = area({})
    const unreadable = legacyArea({ settings: saved }, true)
    const store = new SettingsStore(own.storage, { legacy: unreadable.area, log: quiet })
    await store.load()
    expect(store.readError).toMatch(/storage unavailable/)
    expect(own.writes).toEqual([])
    expect(unreadable.removed).toEqual([])
  })
})
