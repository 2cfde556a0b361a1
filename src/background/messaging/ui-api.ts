/**
 * Requests from Trickle's own pages (popup, options). The sender must be one of those pages; the
 * envelope must pass its guard; the reply is a Result, with errors as readable messages.
 */
import type { Runtime } from 'webextension-polyfill'
import { isUiEnvelope, TOP_SITES, type Overview, type SettingsView, type UiEnvelope, type UiToBackground } from '../../shared/messages.ts'
import type { CheckReport } from '../../shared/check-report.ts'
import { t } from '../../shared/i18n.ts'
import type { Log } from '../../shared/log.ts'
import { parseDecimal, type AmountJson, type Asset } from '../../shared/money.ts'
import { err, errorMessage, ok, type Result } from '../../shared/result.ts'
import {
  DEFAULT_SITE, exportSettings, importSettings, isDefaultSite, MAX_SITES, siteKey, toPublic, validateBudget, validateIdleMinutes, validateRate,
  validateSite, validateUplink, type Settings,
} from '../../shared/settings.ts'
import type { Budget } from '../ledger/budget.ts'
import type { HistoryRange } from '../../shared/history.ts'
import { rangeProblem } from '../ledger/history-sums.ts'
import type { Ledger } from '../ledger/ledger.ts'
import type { Monetizer } from '../pages/monetizer.ts'
import { siteOf } from '../pages/tag-choice.ts'
import type { TabStatus } from '../../shared/status.ts'
import type { TabEvents } from '../site-owner/tab-events.ts'
import { TESTER_SITE } from '../site-owner/tester.ts'
import type { SettingsStore } from '../platform/settings-store.ts'
import type { Uplink } from '../payment/uplink.ts'

/** The extension pages allowed to talk to the worker, as paths inside the extension. */
export const UI_PAGES = [
  '/src/popup/index.html', '/src/options/index.html', '/src/tester/index.html', '/src/events/index.html', '/src/history/index.html', '/src/welcome/index.html',
] as const

/** `scheme://host` of a URL. Not URL.origin: that is "null" for non-special schemes (chrome-extension:) outside the browser. */
export const schemeAndHost = (url: URL): string => `${url.protocol}//${url.host}`

/** Whether a message or port comes from one of Trickle's own pages (popup, options). */
export function isOwnPage(sender: Runtime.MessageSender | undefined, extensionId: string, extensionOrigin: string): boolean {
  if (sender?.id !== extensionId || sender.url === undefined) return false
  try {
    const url = new URL(sender.url)
    return schemeAndHost(url) === extensionOrigin && (UI_PAGES as readonly string[]).includes(url.pathname)
  } catch {
    return false
  }
}

type Handlers = { [K in keyof UiToBackground]: (input: UiToBackground[K]['input']) => Promise<UiToBackground[K]['output']> }

class UserError extends Error {}

function checkedRange(range: HistoryRange): HistoryRange {
  const problem = rangeProblem(range)
  if (problem !== null) throw new UserError(problem)
  return { from: range.from, to: range.to }
}

const amount = (value: bigint, asset: Asset | null): AmountJson | null =>
  asset === null ? null : { value: value.toString(), code: asset.code, scale: asset.scale }

/** While storage cannot be read, the settings page's requests try to read it again at most this often. */
const READ_RETRY_MS = 10_000

/** After a failed probe for the uplink's asset, the popup asks again at most this often. */
const PROBE_INTERVAL_MS = 30_000

export function createUiHandler(deps: {
  extensionId: string
  extensionOrigin: string
  settings: SettingsStore
  uplink: Uplink
  monetizer: Monetizer
  budget: Budget
  /** The repairs' part is absent in tests that do not need it (then there is nothing to tell). */
  ledger: Pick<Ledger, 'exportPage' | 'dayTotals' | 'statement' | 'siteDays'> & Partial<Pick<Ledger, 'repairs' | 'acknowledgeRepairs'>>
  /** The worker's startup; requests wait for it, and are answered even if it failed. */
  ready: Promise<void>
  log?: Log
  /** Called after settings were saved (idle detection follows them). */
  settingsChanged?: () => void
  /** The pointer tester (tester.ts); absent in tests that do not need it. */
  checkPointer?: (pointer: string, pay: boolean, amount: string | null) => Promise<CheckReport>
  /** What tabs' pages were told (content-port.ts fills it). */
  events?: TabEvents
  /**
   * A tab that never reported: the address of its top page if Trickle's content script is there (a
   * page with no tag does not connect), or null if it is not (a browser page, a tab from before the
   * install). Absent in tests that do not need it: such a tab is then "unavailable".
   */
  pagePresent?: (tabId: number) => Promise<string | null>
  now?: () => number
}) {
  const now = deps.now ?? Date.now
  const view = (): SettingsView => {
    const unread = deps.settings.readError
    return { ...toPublic(deps.settings.current), uplinkState: deps.uplink.state, readError: unread === null ? null : t('worker_settingsUnreadable', unread) }
  }

  /** The worker follows settings that changed (saved, or read at last). */
  function follow(before: Settings): void {
    const next = deps.settings.current
    if (before.uplinkUrl !== next.uplinkUrl) {
      deps.uplink.configure(next.uplinkUrl)
      deps.monetizer.uplinkChanged()
      void deps.uplink.probe()
    }
    deps.monetizer.settingsChanged()
    deps.settingsChanged?.()
  }

  let lastRead = Number.NEGATIVE_INFINITY
  /** While storage could not be read, tries again (at most every READ_RETRY_MS unless `force`); true once read. */
  async function readAgain(force: boolean): Promise<boolean> {
    if (deps.settings.readError === null) return true
    if (!force && now() - lastRead < READ_RETRY_MS) return false
    lastRead = now()
    const before = deps.settings.current
    await deps.settings.load()
    if (deps.settings.readError !== null) return false
    follow(before)
    return true
  }

  async function apply(next: Settings): Promise<SettingsView> {
    // `next` was made from what the worker holds; while the stored settings are unread that is the
    // defaults, and saving it would replace the user's settings (and lose the uplink).
    if (deps.settings.readError !== null) {
      if (!await readAgain(true)) throw new UserError(t('worker_settingsUnreadableNoChange', deps.settings.readError ?? ''))
      throw new UserError(t('worker_settingsReloaded'))
    }
    const before = deps.settings.current
    await deps.settings.save(next)
    follow(before)
    return view()
  }

  let lastProbe = Number.NEGATIVE_INFINITY

  async function unacknowledgedRepairs(): Promise<Overview['repairs']> {
    try {
      return (await deps.ledger.repairs?.() ?? []).map(({ at, kind, reason }) => ({ at, kind, reason }))
    } catch (e) {
      deps.log?.warn('could not read the repairs', e)
      return []
    }
  }

  /** A tab's status and site; for a tab that never reported, whether our script is there with no tag. */
  async function tabView(tabId: number): Promise<{ status: TabStatus; site: string | null }> {
    const status = deps.monetizer.status(tabId)
    if (status.kind !== 'unavailable' || deps.pagePresent === undefined) return { status, site: deps.monetizer.siteOfTab(tabId) }
    const url = await deps.pagePresent(tabId).catch(() => null)
    if (url === null) return { status, site: null }
    const site = siteOf(url)
    return { status: site !== null && deps.settings.current.sites[site]?.never === true ? { kind: 'never' } : { kind: 'not-monetized' }, site }
  }

  async function overview(tabId: number | null): Promise<Overview> {
    const settings = deps.settings.current
    // The asset is learnt from the uplink: if no connection has told it yet, ask (not every second).
    if (deps.uplink.knownAsset === null && deps.uplink.configured && now() - lastProbe >= PROBE_INTERVAL_MS) {
      lastProbe = now()
      void deps.uplink.probe()
    }
    const b = deps.budget.view()
    const asset = b.asset
    // Most paid first, from the budget's own totals (the ledger's rows, kept in memory).
    const topSites = [...deps.budget.spentBySite()].sort(([, x], [, y]) => (x === y ? 0 : x > y ? -1 : 1)).slice(0, TOP_SITES)
    const tab = tabId === null ? null : await tabView(tabId)
    const site = tab?.site ?? null
    const used = b.spent + b.held
    return {
      status: tab?.status ?? null,
      site,
      siteRules: site === null ? null : settings.sites[site] ?? DEFAULT_SITE,
      paused: settings.paused,
      asset,
      budget: {
        period: { ...b.period, kind: settings.budget.period },
        amount: b.budget === null ? null : amount(b.budget, asset),
        spent: amount(b.spent, asset),
        held: amount(b.held, asset),
        remaining: b.budget === null ? null : amount(b.budget > used ? b.budget - used : 0n, asset),
      },
      siteSpent: site === null ? null : amount(deps.budget.spentNow(site), asset),
      topSites: asset === null ? [] : topSites.map(([s, sent]) => ({ site: s, sent: { value: sent.toString(), code: asset.code, scale: asset.scale } })),
      repairs: await unacknowledgedRepairs(),
    }
  }

  const handlers: Handlers = {
    'get-tab-status': async ({ tabId }) => (await tabView(tabId)).status,
    'get-settings': async () => {
      await readAgain(false)
      return view()
    },
    'save-settings': async ({ uplinkUrl, ratePerHour, budget, idleMinutes }) => {
      const rate = validateRate(ratePerHour)
      if (!rate.ok) throw new UserError(rate.error)
      const b = validateBudget(budget)
      if (!b.ok) throw new UserError(b.error)
      const idle = validateIdleMinutes(idleMinutes)
      if (!idle.ok) throw new UserError(idle.error)
      let url = deps.settings.current.uplinkUrl
      if (uplinkUrl !== null) {
        const uplink = validateUplink(uplinkUrl)
        if (!uplink.ok) throw new UserError(uplink.error)
        url = uplink.value.url
      }
      return apply({ ...deps.settings.current, uplinkUrl: url, ratePerHour: rate.value, budget: b.value, idleMinutes: idle.value })
    },
    'forget-uplink': async () => apply({ ...deps.settings.current, uplinkUrl: null }),
    'get-overview': async ({ tabId }) => overview(tabId),
    'ack-repairs': async ({ upTo }) => {
      await deps.ledger.acknowledgeRepairs?.(upTo)
      return null
    },
    'set-paused': async ({ paused }) => apply({ ...deps.settings.current, paused }),
    'set-site': async ({ site, rules }) => {
      const key = siteKey(site)
      if (!key.ok) throw new UserError(key.error)
      const checked = validateSite(rules)
      if (!checked.ok) throw new UserError(checked.error)
      const sites = { ...deps.settings.current.sites }
      if (isDefaultSite(checked.value)) Reflect.deleteProperty(sites, key.value)
      else sites[key.value] = checked.value
      if (Object.keys(sites).length > MAX_SITES) throw new UserError(t('worker_tooManySites', MAX_SITES))
      return apply({ ...deps.settings.current, sites })
    },
    'export-settings': async () => JSON.stringify(exportSettings(deps.settings.current), null, 2),
    'import-settings': async ({ text }) => {
      const next = importSettings(text, deps.settings.current)
      if (!next.ok) throw new UserError(next.error)
      return apply(next.value)
    },
    'get-tab-events': async ({ tabId }) => ({ ...deps.monetizer.describe(tabId), events: deps.events?.of(tabId) ?? [] }),
    'check-pointer': async ({ pointer, pay, amount }) => {
      if (deps.checkPointer === undefined) throw new UserError(t('worker_testerUnavailable'))
      if (amount !== null && parseDecimal(amount, 0) === null) throw new UserError(t('worker_testAmountFormat'))
      return deps.checkPointer(pointer, pay, amount)
    },
    'get-history-days': async (range) => ({ range, days: await deps.ledger.dayTotals(checkedRange(range)) }),
    'get-statement': async (range) => deps.ledger.statement(checkedRange(range)),
    'get-site-history': async ({ site, from, to }) => {
      const key = siteKey(site)
      // The ledger's test payments are kept under a name of their own, not an origin.
      if (!key.ok && site !== TESTER_SITE) throw new UserError(key.error)
      const name = key.ok ? key.value : site
      const range = checkedRange({ from, to })
      return { site: name, range, rules: deps.settings.current.sites[name] ?? DEFAULT_SITE, days: await deps.ledger.siteDays(name, range) }
    },
    'export-ledger-page': async ({ after }) => deps.ledger.exportPage(after),
  }

  const fromOwnPage = (sender: Runtime.MessageSender): boolean => isOwnPage(sender, deps.extensionId, deps.extensionOrigin)

  let startupFailed = false
  async function dispatch(envelope: UiEnvelope): Promise<Result<unknown>> {
    // A startup that failed in part still leaves a worker that can say what it knows (services.ts
    // guards each step); never leave the pages without an answer.
    await deps.ready.catch((e: unknown) => {
      if (!startupFailed) deps.log?.error('answering after a failed startup', e)
      startupFailed = true
    })
    try {
      const handler = handlers[envelope.type] as (input: unknown) => Promise<unknown>
      return ok(await handler(envelope.input))
    } catch (e) {
      return err(e instanceof UserError ? e.message : t('worker_internalError', errorMessage(e)))
    }
  }

  /** runtime.onMessage listener: answers only Trickle's pages, and only well-formed requests. */
  return (message: unknown, sender: Runtime.MessageSender): Promise<Result<unknown>> | undefined => {
    if (!isUiEnvelope(message)) return undefined
    if (!fromOwnPage(sender)) return Promise.resolve(err(t('worker_refusedSender')))
    return dispatch(message)
  }
}
