/**
 * Settings in the extension's own IndexedDB (Ledger.settingsArea), migrated on read (shared/settings.ts
 * holds the schema). They hold the uplink's secret and the budget: storage.local, where earlier
 * versions kept them, is readable and writable by content scripts unless the browser can restrict it
 * (Chrome ≥ 140 can; Firefox cannot), so they are moved out of it on first start and removed there.
 *
 * Loading never throws: the worker must start whatever storage holds. Two failures are told apart:
 * - storage cannot be read (the call rejects): the worker runs on defaults (nothing is paid without an
 *   uplink) and writes nothing, since overwriting would destroy settings that may still be fine;
 *   `readError` says why, the pages show it, and saving is refused until a read succeeds.
 * - the stored value is damaged: the damaged fields fall back to their defaults (a valid uplink is
 *   kept: losing it would lose the user's account), after a copy went to quarantine without the
 *   uplink or anything that looks like a secret.
 */
import { t, uiLocale } from '../../shared/i18n.ts'
import type { KeyValueArea } from '../ledger/ledger.ts'
import { isRecord } from '../../shared/guards.ts'
import type { Log } from '../../shared/log.ts'
import { errorMessage } from '../../shared/result.ts'
import { DEFAULT_SETTINGS, migrateSettings, type Settings } from '../../shared/settings.ts'

const KEY = 'settings'

/** Sets a damaged settings value aside (Ledger.quarantine with kind 'settings'). */
export type SettingsQuarantine = (value: unknown, reason: string) => Promise<void>

/** The fields a damaged object may have had replaced (version is migrated, not repaired), as the user knows them. */
const FIELDS: readonly [Exclude<keyof Settings, 'version'>, () => string][] = [
  ['uplinkUrl', () => t('worker_fieldUplink')], ['ratePerHour', () => t('worker_fieldRate')], ['budget', () => t('worker_fieldBudget')],
  ['paused', () => t('worker_fieldPause')], ['idleMinutes', () => t('worker_fieldIdle')], ['sites', () => t('worker_fieldSites')],
]

/** Strings and keys that may hold the uplink's secret, or any other: never copied to quarantine. */
const SECRET = /btp\+|:\/\/[^/\s]*@|token|secret|passw|uplink|auth/i
const REDACTED = '[redacted]'
const MAX_DEPTH = 6
const MAX_ENTRIES = 1100
const MAX_STRING = 2048

/**
 * A copy of a stored settings value safe to keep for investigation: plain data only, bounded, with the
 * `uplinkUrl` field dropped and every string or key that looks like an uplink or a token redacted.
 */
export function redactedSettingsCopy(value: unknown, depth = 0): unknown {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return value
  if (typeof value === 'string') return SECRET.test(value) ? REDACTED : value.length > MAX_STRING ? `${value.slice(0, MAX_STRING)}…` : value
  if (typeof value === 'bigint') return `${value.toString().slice(0, 80)}n`
  if (typeof value !== 'object') return `[${typeof value}]` // undefined, functions, symbols: not storable
  if (depth >= MAX_DEPTH) return '[too deep]'
  if (Array.isArray(value)) return value.slice(0, MAX_ENTRIES).map((v: unknown) => redactedSettingsCopy(v, depth + 1))
  if (!isRecord(value)) return '[object]'
  const copy: Record<string, unknown> = {}
  let n = 0
  for (const [k, v] of Object.entries(value)) {
    if (++n > MAX_ENTRIES) break
    if (depth === 0 && k === 'uplinkUrl') continue
    if (SECRET.test(k)) continue
    copy[k.length > MAX_STRING ? k.slice(0, MAX_STRING) : k] = redactedSettingsCopy(v, depth + 1)
  }
  return copy
}

function sameJson(a: unknown, b: unknown): boolean {
  try {
    return JSON.stringify(a) === JSON.stringify(b)
  } catch {
    return false // a bigint, say: not something settings hold
  }
}

/** What in `stored` migration had to replace (empty if nothing: a valid value, or an older one). */
function damage(stored: unknown, migrated: Settings): string[] | 'whole' {
  if (stored === undefined) return [] // a fresh install
  if (!isRecord(stored)) return 'whole'
  return FIELDS.filter(([f]) => Object.hasOwn(stored, f) && !sameJson(stored[f], migrated[f])).map(([, name]) => name())
}

export class SettingsStore {
  private cache: Settings = structuredClone(DEFAULT_SETTINGS)
  private error: string | null = null

  /** `legacy`: where earlier versions kept the settings (storage.local), read once and emptied. */
  constructor(
    private readonly area: KeyValueArea,
    private readonly opts: { quarantine?: SettingsQuarantine; log?: Pick<Log, 'warn' | 'error'>; legacy?: KeyValueArea } = {},
  ) {}

  get current(): Settings { return this.cache }

  /** Why the last read of storage failed; null once a read succeeded. Meanwhile `current` is the defaults (or the last read). */
  get readError(): string | null { return this.error }

  async load(): Promise<Settings> {
    let stored: unknown
    let fromLegacy = false
    try {
      const got: unknown = await this.area.get(KEY)
      stored = isRecord(got) ? got[KEY] : undefined
      if (stored === undefined && this.opts.legacy !== undefined) {
        // Not moved yet: an earlier version's settings. A failure to read them is a read error (writing
        // defaults now would lose them).
        const old: unknown = await this.opts.legacy.get(KEY)
        stored = isRecord(old) ? old[KEY] : undefined
        fromLegacy = stored !== undefined
      }
    } catch (e) {
      this.error = errorMessage(e)
      this.opts.log?.error('settings: storage could not be read; running on defaults and writing nothing', e)
      return this.cache
    }
    this.error = null
    let migrated: Settings
    try {
      migrated = migrateSettings(stored)
    } catch (e) {
      // migrateSettings takes anything (fuzzed); should it ever throw, defaults are safe.
      this.opts.log?.error('settings: could not be migrated', e)
      migrated = structuredClone(DEFAULT_SETTINGS)
    }
    this.cache = migrated
    const damaged = damage(stored, migrated)
    if (damaged === 'whole' || damaged.length > 0) {
      const list = damaged === 'whole' ? '' : new Intl.ListFormat(uiLocale(), { type: 'unit' }).format(damaged)
      const reason = damaged === 'whole' ? t('worker_settingsReset')
        : migrated.uplinkUrl !== null ? t('worker_settingsPartlyResetKept', list) : t('worker_settingsPartlyReset', list)
      try {
        await (this.opts.quarantine ?? (async () => undefined))(redactedSettingsCopy(stored), reason)
      } catch (e) {
        // The stored value is the only copy: leave it for a later start to set aside, run on the repair.
        this.opts.log?.error('settings: could not set the damaged value aside; it stays stored as it is', e)
        return this.cache
      }
      this.opts.log?.warn(`settings: ${reason}`)
    }
    if (fromLegacy || !sameJson(stored, migrated)) {
      try {
        await this.area.set({ [KEY]: migrated })
      } catch (e) {
        this.opts.log?.warn('settings: could not write the migrated settings back', e)
        return this.cache // the old copy stays where it is until a write succeeds
      }
    }
    // The copy in storage.local (if any) goes once the settings are safely in their own store.
    await this.opts.legacy?.remove?.(KEY).catch((e: unknown) => this.opts.log?.warn('settings: could not remove the old copy from storage.local', e))
    return this.cache
  }

  async save(next: Settings): Promise<void> {
    // What was asked was based on defaults, not on the stored settings: writing it would replace them.
    if (this.error !== null) throw new Error(t('worker_settingsNoOverwrite', this.error))
    await this.area.set({ [KEY]: next })
    this.cache = next
  }
}
