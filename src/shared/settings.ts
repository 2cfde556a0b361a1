/**
 * The user's settings: one schema, a documented default for every field, a version and migrations.
 * Stored in browser.storage.local under `settings`. The uplink URL carries the user's BTP secret, so it
 * is read only by the service worker; pages get `PublicSettings`, with the secret removed.
 */
import { parseDecimal } from './money.ts'
import { isLoopbackHost } from './pointer.ts'
import { err, ok, type Result } from './result.ts'
import { isRecord } from './guards.ts'

export const SETTINGS_VERSION = 1

export interface Settings {
  version: typeof SETTINGS_VERSION
  /** The user's Interledger account, `btp+wss://user:token@host` (or `btp+ws://` on loopback). Default: none. */
  uplinkUrl: string | null
  /** How much one visible hour of a page costs, in the uplink's asset, as a decimal string. Default: 0.36 (Coil's $0.36/hour). */
  ratePerHour: string
}

export const DEFAULT_SETTINGS: Settings = { version: SETTINGS_VERSION, uplinkUrl: null, ratePerHour: '0.36' }

/** A guard against typos such as 360 for 0.36: 10 units an hour is already ~28× the default. */
export const MAX_RATE_PER_HOUR = '10'

/** What extension pages may see of the settings: the uplink without its secret. */
export interface PublicSettings {
  uplink: { display: string } | null
  ratePerHour: string
}

export const toPublic = (s: Settings): PublicSettings => ({
  uplink: s.uplinkUrl === null ? null : { display: redactUplink(s.uplinkUrl) },
  ratePerHour: s.ratePerHour,
})

const RATE = /^\d{1,6}(\.\d{1,18})?$/

export function validateRate(text: string): Result<string> {
  const rate = text.trim()
  if (!RATE.test(rate)) return err('Enter the rate as a number such as 0.36.')
  if (!/[1-9]/.test(rate)) return err('The rate must be more than zero; to stop paying, pause instead.')
  // Compared exactly, as units at the finest scale a rate may be written in.
  if ((parseDecimal(rate, 18) ?? 0n) > (parseDecimal(MAX_RATE_PER_HOUR, 18) ?? 0n)) return err(`The rate is capped at ${MAX_RATE_PER_HOUR} per hour.`)
  return ok(rate)
}

export interface ParsedUplink { url: string; host: string; secure: boolean }

/** Checks a BTP uplink URL as ilp-plugin-btp will read it, and refuses plain ws:// off this machine. */
export function validateUplink(text: string): Result<ParsedUplink> {
  const raw = text.trim()
  const m = /^btp\+(wss?):\/\//.exec(raw)
  if (m === null) return err('The uplink must start with btp+wss:// (or btp+ws:// for a network on this computer).')
  let url: URL
  try {
    url = new URL(raw.slice('btp+'.length))
  } catch {
    return err('The uplink is not a valid URL.')
  }
  if (url.hostname === '') return err('The uplink has no host.')
  const secure = m[1] === 'wss'
  if (!secure && !isLoopbackHost(url.hostname)) {
    return err('Plain btp+ws:// would send your token unencrypted; it is allowed only for localhost and 127.0.0.1.')
  }
  return ok({ url: raw, host: url.host, secure })
}

/** `btp+ws://user:token@host` → `btp+ws://user:•••@host`: what may be shown on screen. */
export function redactUplink(raw: string): string {
  return raw.replace(/^(btp\+wss?:\/\/)([^@/]*)@/, (_all, scheme: string, userinfo: string) => {
    const user = userinfo.split(':')[0] ?? ''
    return `${scheme}${user}:•••@`
  })
}

/**
 * Brings stored settings of any earlier version up to the current one. Unknown or broken fields fall
 * back to their defaults rather than failing: a damaged settings object must never stop payments
 * from being safe, only from happening.
 */
export function migrateSettings(stored: unknown): Settings {
  if (!isRecord(stored)) return { ...DEFAULT_SETTINGS }
  const uplink = typeof stored.uplinkUrl === 'string' && validateUplink(stored.uplinkUrl).ok ? stored.uplinkUrl : null
  const rate = typeof stored.ratePerHour === 'string' ? validateRate(stored.ratePerHour) : null
  return { version: SETTINGS_VERSION, uplinkUrl: uplink, ratePerHour: rate?.ok === true ? rate.value : DEFAULT_SETTINGS.ratePerHour }
}
