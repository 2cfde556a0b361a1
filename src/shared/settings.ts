/**
 * The user's settings: one schema, a documented default for every field, a version and migrations.
 * Stored in browser.storage.local under `settings`. The uplink URL carries the user's BTP secret, so it
 * is read only by the service worker; pages get `PublicSettings`, with the secret removed.
 */
import { t } from './i18n.ts'
import { parseDecimal } from './money.ts'
import { isLoopbackHost } from './pointer.ts'
import { err, ok, type Result } from './result.ts'
import { isRecord } from './guards.ts'

export const SETTINGS_VERSION = 2

export const BUDGET_PERIODS = ['monthly', 'weekly'] as const
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number]

export interface BudgetSettings {
  /** The most Trickle may send per period, in the uplink's asset, as a decimal string. Default: 5. */
  amount: string
  /** Default: monthly. */
  period: BudgetPeriod
  /**
   * When a period renews, at local midnight. Monthly: day of the month, 1–31 (a short month renews on
   * its last day). Weekly: day of the week, 0 = Sunday … 6 = Saturday. Default: 1.
   */
  renewDay: number
}

/** What the user decided for one site (an origin such as `https://news.example`). */
export interface SiteSettings {
  /** Replaces the global rate on this site. Default: none (the global rate). */
  ratePerHour: string | null
  /** The most this site may receive per budget period, in the uplink's asset. Default: none. */
  cap: string | null
  /** Not paid until the user resumes it. Default: false. */
  paused: boolean
  /** Never paid, whatever the page says (one's own site, for example). Default: false. */
  never: boolean
  /**
   * Simulator mode, for site owners building their integration: the page gets the usual events
   * with simulated amounts; no money moves, nothing counts against the budget or enters the ledger.
   * Default: false.
   */
  simulate: boolean
}

export interface Settings {
  version: typeof SETTINGS_VERSION
  /** The user's Interledger account, `btp+wss://user:token@host` (or `btp+ws://` on loopback). Default: none. */
  uplinkUrl: string | null
  /** How much one visible hour of a page costs, in the uplink's asset, as a decimal string. Default: 0.36 (Coil's $0.36/hour). */
  ratePerHour: string
  /** Default: 5 per month, renewing on the 1st. */
  budget: BudgetSettings
  /** Pauses every payment. Default: false. */
  paused: boolean
  /** Payment pauses after this many minutes without keyboard or mouse input (1–240). Default: 10. */
  idleMinutes: number
  /** Per-site decisions by origin. Default: none. */
  sites: Record<string, SiteSettings>
}

export const DEFAULT_BUDGET: BudgetSettings = { amount: '5', period: 'monthly', renewDay: 1 }
export const DEFAULT_SITE: SiteSettings = { ratePerHour: null, cap: null, paused: false, never: false, simulate: false }

export const DEFAULT_SETTINGS: Settings = {
  version: SETTINGS_VERSION, uplinkUrl: null, ratePerHour: '0.36', budget: DEFAULT_BUDGET, paused: false, idleMinutes: 10, sites: {},
}

/** How many sites may carry their own settings: bounds storage and every message that lists them. */
export const MAX_SITES = 1000
export const MAX_IDLE_MINUTES = 240

/** A guard against typos such as 360 for 0.36: 10 units an hour is already ~28× the default. */
export const MAX_RATE_PER_HOUR = '10'

/** What extension pages may see of the settings: the uplink without its secret. */
export type PublicSettings = Omit<Settings, 'uplinkUrl' | 'version'> & { uplink: { display: string } | null }

export const toPublic = (s: Settings): PublicSettings => ({
  ratePerHour: s.ratePerHour, budget: s.budget, paused: s.paused, idleMinutes: s.idleMinutes, sites: s.sites,
  uplink: s.uplinkUrl === null ? null : { display: redactUplink(s.uplinkUrl) },
})

const RATE = /^\d{1,6}(\.\d{1,18})?$/
const AMOUNT = /^\d{1,12}(\.\d{1,18})?$/

export function validateRate(text: string): Result<string> {
  const rate = text.trim()
  if (!RATE.test(rate)) return err(t('worker_rateFormat'))
  if (!/[1-9]/.test(rate)) return err(t('worker_rateZero'))
  // Compared exactly, as units at the finest scale a rate may be written in.
  if ((parseDecimal(rate, 18) ?? 0n) > (parseDecimal(MAX_RATE_PER_HOUR, 18) ?? 0n)) return err(t('worker_rateCapped', MAX_RATE_PER_HOUR))
  return ok(rate)
}

/** A budget or a cap: a non-negative decimal (0 is allowed: it stops payment). */
export function validateAmount(text: string, what: 'budget' | 'cap'): Result<string> {
  const amount = text.trim()
  if (!AMOUNT.test(amount)) return err(what === 'budget' ? t('worker_budgetFormat') : t('worker_capFormat'))
  return ok(amount)
}

export function validateBudget(b: BudgetSettings): Result<BudgetSettings> {
  const amount = validateAmount(b.amount, 'budget')
  if (!amount.ok) return amount
  if (b.period !== 'monthly' && b.period !== 'weekly') return err(t('worker_budgetPeriod'))
  const [lo, hi] = b.period === 'monthly' ? [1, 31] : [0, 6]
  if (!Number.isInteger(b.renewDay) || b.renewDay < lo || b.renewDay > hi) {
    return err(b.period === 'monthly' ? t('worker_renewDayMonth') : t('worker_renewDayWeek'))
  }
  return ok({ amount: amount.value, period: b.period, renewDay: b.renewDay })
}

export function validateIdleMinutes(n: number): Result<number> {
  if (!Number.isInteger(n) || n < 1 || n > MAX_IDLE_MINUTES) return err(t('worker_idleRange', MAX_IDLE_MINUTES))
  return ok(n)
}

/** `https://news.example/a?b` or `news.example` → `https://news.example`: the key of a site's settings. */
export function siteKey(text: string): Result<string> {
  const raw = text.trim()
  let url: URL
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`)
  } catch {
    return err(t('worker_siteFormat'))
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return err(t('worker_siteScheme'))
  if (url.hostname === '') return err(t('worker_siteFormat'))
  return ok(`${url.protocol}//${url.host}`)
}

export function validateSite(s: SiteSettings): Result<SiteSettings> {
  let ratePerHour: string | null = null
  if (s.ratePerHour !== null) {
    const r = validateRate(s.ratePerHour)
    if (!r.ok) return r
    ratePerHour = r.value
  }
  let cap: string | null = null
  if (s.cap !== null) {
    const c = validateAmount(s.cap, 'cap')
    if (!c.ok) return c
    cap = c.value
  }
  if (typeof s.paused !== 'boolean' || typeof s.never !== 'boolean' || typeof s.simulate !== 'boolean') {
    return err(t('worker_siteFlags'))
  }
  return ok({ ratePerHour, cap, paused: s.paused, never: s.never, simulate: s.simulate })
}

/** A site entry that says nothing beyond the defaults is not kept. */
export const isDefaultSite = (s: SiteSettings): boolean =>
  s.ratePerHour === null && s.cap === null && !s.paused && !s.never && !s.simulate

export interface ParsedUplink { url: string; host: string; secure: boolean }

/** Checks a BTP uplink URL as ilp-plugin-btp will read it, and refuses plain ws:// off this machine. */
export function validateUplink(text: string): Result<ParsedUplink> {
  const raw = text.trim()
  const m = /^btp\+(wss?):\/\//.exec(raw)
  if (m === null) return err(t('worker_uplinkScheme'))
  let url: URL
  try {
    url = new URL(raw.slice('btp+'.length))
  } catch {
    return err(t('worker_uplinkInvalid'))
  }
  if (url.hostname === '') return err(t('worker_uplinkNoHost'))
  const secure = m[1] === 'wss'
  if (!secure && !isLoopbackHost(url.hostname)) {
    return err(t('worker_uplinkInsecure'))
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
 * from being safe, only from happening. (v1 had the uplink and the rate; v2 added everything else.)
 */
export function migrateSettings(stored: unknown): Settings {
  if (!isRecord(stored)) return structuredClone(DEFAULT_SETTINGS)
  const uplink = typeof stored.uplinkUrl === 'string' && validateUplink(stored.uplinkUrl).ok ? stored.uplinkUrl : null
  const rate = typeof stored.ratePerHour === 'string' ? validateRate(stored.ratePerHour) : null
  return {
    version: SETTINGS_VERSION,
    uplinkUrl: uplink,
    ratePerHour: rate?.ok === true ? rate.value : DEFAULT_SETTINGS.ratePerHour,
    budget: readBudget(stored.budget),
    paused: stored.paused === true,
    idleMinutes: typeof stored.idleMinutes === 'number' && validateIdleMinutes(stored.idleMinutes).ok ? stored.idleMinutes : DEFAULT_SETTINGS.idleMinutes,
    sites: readSites(stored.sites),
  }
}

function readBudget(v: unknown): BudgetSettings {
  if (!isRecord(v) || typeof v.amount !== 'string' || typeof v.renewDay !== 'number') return { ...DEFAULT_BUDGET }
  const b = validateBudget({ amount: v.amount, period: v.period === 'weekly' ? 'weekly' : 'monthly', renewDay: v.renewDay })
  return b.ok ? b.value : { ...DEFAULT_BUDGET }
}

function readSites(v: unknown): Record<string, SiteSettings> {
  const sites: Record<string, SiteSettings> = {}
  if (!isRecord(v)) return sites
  for (const [key, entry] of Object.entries(v).slice(0, MAX_SITES)) {
    const k = siteKey(key)
    if (!k.ok || k.value !== key || !isRecord(entry)) continue
    const site = validateSite({
      ratePerHour: typeof entry.ratePerHour === 'string' ? entry.ratePerHour : null,
      cap: typeof entry.cap === 'string' ? entry.cap : null,
      paused: entry.paused === true,
      never: entry.never === true,
      simulate: entry.simulate === true,
    })
    if (site.ok && !isDefaultSite(site.value)) sites[key] = site.value
  }
  return sites
}

/** The settings file a user exports: everything but the uplink's secret, which never leaves the worker. */
export interface SettingsFile { trickle: 'settings'; version: number; settings: Omit<Settings, 'uplinkUrl' | 'version'> }

export function exportSettings(s: Settings): SettingsFile {
  return { trickle: 'settings', version: s.version, settings: { ratePerHour: s.ratePerHour, budget: s.budget, paused: s.paused, idleMinutes: s.idleMinutes, sites: s.sites } }
}

/** Reads an exported file: it must say what it is; every field is then checked like stored settings. */
export function importSettings(text: string, current: Settings): Result<Settings> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    return err(t('worker_importNotJson'))
  }
  if (!isRecord(parsed) || parsed.trickle !== 'settings' || !isRecord(parsed.settings)) {
    return err(t('worker_importNotSettings'))
  }
  if (typeof parsed.version !== 'number' || parsed.version > SETTINGS_VERSION) {
    return err(t('worker_importNewer'))
  }
  const migrated = migrateSettings({ ...parsed.settings, uplinkUrl: current.uplinkUrl })
  return ok(migrated)
}
