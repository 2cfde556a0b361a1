/**
 * The user's settings: one schema, a documented default for every field, a version and migrations.
 * Stored in Trickle's IndexedDB (settings-store.ts). The uplink carries the user's secret (the BTP
 * secret or the HTTP bearer token), so it is read only by the service worker; pages get
 * `PublicSettings`, with the secret removed.
 */
import { t } from './i18n.ts'
import { parseDecimal, type Asset } from './money.ts'
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
  /**
   * The user's Interledger account (`validateUplink`): BTP, `btp+wss://user:token@host`, or ILP over HTTP,
   * `https://host/path#token=…` (plain ws:// and http:// on loopback only). Default: none.
   */
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

/** An account the user entered for an ILP-over-HTTP peer that does not answer ILDCP. */
export interface UplinkAccount { address: string; asset: Asset }

/** An ILP-over-HTTP uplink (RFC 0035): where to POST, the bearer token, the peer's name for us. */
export interface HttpUplinkConfig {
  /** The endpoint without credentials or fragment: what is fetched. */
  endpoint: string
  token: string
  /** Sent as `ILP-Peer-Name` when set (peers that serve several accounts at one endpoint). */
  peerName: string | null
  /** Used only when the peer does not answer ILDCP. */
  account: UplinkAccount | null
}

/** `url`: the uplink as stored (canonical); `host`: what may be shown; `secure`: TLS (wss, https). */
export type ParsedUplink =
  | { kind: 'btp'; url: string; host: string; secure: boolean }
  | ({ kind: 'http'; url: string; host: string; secure: boolean } & HttpUplinkConfig)

export type UplinkKind = ParsedUplink['kind']

/**
 * Which kind of uplink a text names, by its scheme alone (the options page says it as the user types):
 * `btp+ws(s)://` is BTP, `http(s)://` ILP over HTTP.
 */
export function uplinkKind(text: string): UplinkKind | null {
  const raw = text.trim().toLowerCase()
  if (/^btp\+wss?:\/\//.test(raw)) return 'btp'
  if (/^https?:\/\//.test(raw)) return 'http'
  return null
}

/**
 * Checks an uplink as stored: BTP (`btp+wss://user:secret@host`, read as ilp-plugin-btp will) or ILP
 * over HTTP (`https://host/path#token=…&peer=…&address=…&code=…&scale=…`, made by `httpUplinkText`;
 * the fragment is never sent, the token goes in a header). Plain ws:// and http:// only on loopback.
 */
export function validateUplink(text: string): Result<ParsedUplink> {
  const raw = text.trim()
  const kind = uplinkKind(raw)
  if (kind === 'http') return parseHttpUplink(raw)
  const m = /^btp\+(wss?):\/\//.exec(raw)
  if (m === null) return err(t('worker_uplinkSchemeEither'))
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
  return { ok: true, value: { kind: 'btp', url: raw, host: url.host, secure } }
}

/** A token or peer name as an HTTP header carries it: visible ASCII, no spaces. */
const HEADER_SAFE = /^[\x21-\x7e]+$/
const MAX_TOKEN = 1024
const MAX_PEER_NAME = 128
/** RFC 0015: an allocation scheme, then segments of letters, digits, `_ ~ -`; at most 1023 characters. */
const ILP_ADDRESS = /^(g|private|example|peer|self|test[1-3]?|local)([.][a-zA-Z0-9_~-]+)+$/
const ASSET_CODE = /^[\x21-\x7e]{1,16}$/
const FRAGMENT_KEYS = new Set(['token', 'peer', 'address', 'code', 'scale'])

export const isIlpAddress = (a: string): boolean => a.length <= 1023 && ILP_ADDRESS.test(a)

/** What the options page has for an ILP-over-HTTP uplink, as typed. */
export interface HttpUplinkInput { endpoint: string; token: string; peerName: string; address: string; code: string; scale: string }

/** The stored text of an ILP-over-HTTP uplink, every part checked (the same checks as `validateUplink`). */
export function httpUplinkText(input: HttpUplinkInput): Result<string> {
  let url: URL
  try {
    url = new URL(input.endpoint.trim())
  } catch {
    return err(t('worker_uplinkInvalid'))
  }
  if (url.hash !== '') return err(t('worker_httpFragment'))
  const params = new URLSearchParams()
  params.set('token', input.token.trim())
  if (input.peerName.trim() !== '') params.set('peer', input.peerName.trim())
  const account = [input.address.trim(), input.code.trim(), input.scale.trim()]
  if (account.some((v) => v !== '')) {
    params.set('address', account[0] ?? '')
    params.set('code', account[1] ?? '')
    params.set('scale', account[2] ?? '')
  }
  url.hash = params.toString()
  const parsed = parseHttpUplink(url.href)
  return parsed.ok ? ok(parsed.value.url) : parsed
}

function parseHttpUplink(raw: string): Result<ParsedUplink> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return err(t('worker_uplinkInvalid'))
  }
  if (url.hostname === '') return err(t('worker_uplinkNoHost'))
  const secure = url.protocol === 'https:'
  if (!secure && !isLoopbackHost(url.hostname)) return err(t('worker_httpInsecure'))
  // A token in the URL itself would be sent nowhere (fetch refuses credentials in a URL): say where it goes.
  if (url.username !== '' || url.password !== '') return err(t('worker_httpUserinfo'))
  const params = new URLSearchParams(url.hash.slice(1))
  for (const key of params.keys()) if (!FRAGMENT_KEYS.has(key)) return err(t('worker_httpFragment'))
  const token = params.get('token') ?? ''
  if (token === '') return err(t('worker_httpNoToken'))
  if (token.length > MAX_TOKEN || !HEADER_SAFE.test(token)) return err(t('worker_httpTokenFormat'))
  const peer = params.get('peer')
  if (peer !== null && (peer.length > MAX_PEER_NAME || !HEADER_SAFE.test(peer))) return err(t('worker_httpPeerFormat'))
  const address = params.get('address')
  const code = params.get('code')
  const scaleText = params.get('scale')
  let account: UplinkAccount | null = null
  if (address !== null || code !== null || scaleText !== null) {
    if (address === null || !isIlpAddress(address)) return err(t('worker_httpAddressFormat'))
    if (code === null || !ASSET_CODE.test(code)) return err(t('worker_httpCodeFormat'))
    const scale = scaleText !== null && /^\d{1,3}$/.test(scaleText) ? Number(scaleText) : -1
    if (scale < 0 || scale > 255) return err(t('worker_httpScaleFormat'))
    account = { address, asset: { code, scale } }
  }
  url.hash = ''
  const endpoint = url.href
  // The canonical stored form: the same uplink always gives the same text (the worker compares them).
  const canonical = new URLSearchParams({ token })
  if (peer !== null) canonical.set('peer', peer)
  if (account !== null) {
    canonical.set('address', account.address)
    canonical.set('code', account.asset.code)
    canonical.set('scale', String(account.asset.scale))
  }
  return ok({ kind: 'http', url: `${endpoint}#${canonical.toString()}`, host: url.host, secure, endpoint, token, peerName: peer, account })
}

/**
 * What may be shown on screen. BTP: `btp+ws://user:token@host` → `btp+ws://user:•••@host`. ILP over
 * HTTP: its scheme and host only (`https://rafiki.example`): the token and the rest stay in the worker.
 */
export function redactUplink(raw: string): string {
  if (uplinkKind(raw) === 'http') {
    try {
      const url = new URL(raw.trim())
      return `${url.protocol}//${url.host}`
    } catch {
      return ''
    }
  }
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
