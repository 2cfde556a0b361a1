/**
 * The popup: for the current tab, whether it is monetized, paying or paused, to whom, how much this
 * visit has sent, or why it is not paying; the budget at a glance (spent, in flight, left) and this
 * period's top sites; pause this site, never pay it, simulate it, or pause everything; one click to
 * this site's history. Asks again whenever the worker says something changed.
 */
import { useEffect, useState } from 'preact/hooks'
import browser from 'webextension-polyfill'
import { t } from '../shared/i18n.ts'
import { POPUP_PORT_NAME, type Overview, type RepairNotice, type SettingsView } from '../shared/messages.ts'
import type { AmountJson, Asset } from '../shared/money.ts'
import type { SiteSettings } from '../shared/settings.ts'
import type { UplinkState } from '../shared/status.ts'
import { ask, watchChanges } from '../ui/api.ts'
import { repairSummary, showAmount, siteLabel, testerUrl } from '../ui/format.ts'
import { BudgetView } from './budget-view.tsx'
import { historyPath } from './links.ts'
import { showDecimal } from './local-format.ts'
import { slots } from './slots.tsx'
import { TabSummary } from './tab-summary.tsx'

/** Which tab to describe: `?tab=<id>` when opened as a page, else the active tab of this window. */
async function currentTabId(): Promise<number | null> {
  const fromQuery = Number(new URLSearchParams(location.search).get('tab'))
  if (Number.isSafeInteger(fromQuery) && fromQuery > 0) return fromQuery
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true })
  return tab?.id ?? null
}

export function Popup() {
  const [tabId, setTabId] = useState<number | null | undefined>(undefined)
  const [overview, setOverview] = useState<Overview | null>(null)
  const [settings, setSettings] = useState<SettingsView | null>(null)
  const [error, setError] = useState<string | null>(null)
  /** Repairs up to this time were dismissed here: hidden at once, before the worker's next overview. */
  const [dismissedUpTo, setDismissedUpTo] = useState(Number.NEGATIVE_INFINITY)

  const refresh = async (id: number | null): Promise<void> => {
    const [o, view] = await Promise.all([ask('get-overview', { tabId: id }), ask('get-settings', null)])
    if (!o.ok) setError(o.error)
    else if (!view.ok) setError(view.error)
    else {
      setError(null)
      setOverview(o.value)
      setSettings(view.value)
    }
  }

  useEffect(() => {
    // While this port is open the worker knows the popup is, and keeps paying the window it covers;
    // it also tells the popup when to ask again (no polling).
    let id: number | null | undefined
    const unwatch = watchChanges(() => { if (id !== undefined) void refresh(id) }, POPUP_PORT_NAME)
    let stopped = false
    void currentTabId().then((tab) => {
      if (stopped) return
      id = tab
      setTabId(tab)
      void refresh(tab)
    })
    return () => {
      stopped = true
      unwatch()
    }
  }, [])

  const act = async (r: Promise<{ ok: boolean; error?: string }>): Promise<void> => {
    const done = await r
    if (!done.ok) setError(done.error ?? t('popup_failed'))
    if (tabId !== undefined) await refresh(tabId)
  }

  const o = overview
  const repairs = o?.repairs.filter((r) => r.at > dismissedUpTo) ?? []
  const dismiss = (): void => {
    const upTo = Math.max(...repairs.map((r) => r.at))
    setDismissedUpTo(upTo)
    void act(ask('ack-repairs', { upTo }))
  }
  const page = (path: string): string => browser.runtime.getURL(path)
  const pointer = o?.status?.kind === 'monetized' || o?.status?.kind === 'invalid' ? o.status.input : null
  return (
    <>
      <header class="row">
        <h1>{t('extName')}</h1>
        {o !== null && (
          <button type="button" class="small" onClick={() => { void act(ask('set-paused', { paused: !o.paused })) }}>
            {o.paused ? t('popup_resumeAll') : t('popup_pauseAll')}
          </button>
        )}
      </header>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {repairs.length > 0 && <RepairsNotice repairs={repairs} onDismiss={dismiss} />}
      {o?.paused === true && <p class="status" data-tone="wait" role="status">{t('popup_pausedAll')}</p>}
      {o?.status != null && <TabSummary status={o.status} />}
      {o !== null && o.site !== null && o.siteRules !== null && (
        <SiteControls
          site={o.site} rules={o.siteRules} spent={o.siteSpent} asset={o.asset}
          historyHref={page(historyPath(o.site))}
          onChange={(rules) => { void act(ask('set-site', { site: o.site ?? '', rules })) }}
        />
      )}
      {o !== null && <BudgetView overview={o} />}
      {settings !== null && <UplinkLine state={settings.uplinkState} rate={settings.ratePerHour} readError={settings.readError} />}
      <nav aria-label={t('popup_linksLabel')}>
        <p class="muted">
          <a href={page('/src/options/index.html')} target="_blank" rel="noreferrer">{t('popup_settings')}</a>
          {' · '}
          <a href={page(historyPath(null))} target="_blank" rel="noreferrer">{t('popup_history')}</a>
          {tabId != null && <>{' · '}<a href={page(`/src/events/index.html?tab=${tabId}`)} target="_blank" rel="noreferrer">{t('popup_events')}</a></>}
          {' · '}
          <a href={testerUrl(pointer, page)} target="_blank" rel="noreferrer">{pointer !== null ? t('popup_testThis') : t('popup_testAny')}</a>
        </p>
      </nav>
    </>
  )
}

interface SiteControlsProps {
  site: string
  rules: SiteSettings
  spent: AmountJson | null
  asset: Asset | null
  historyHref: string
  onChange: (r: SiteSettings) => void
}

function SiteControls({ site, rules, spent, asset, historyHref, onChange }: SiteControlsProps) {
  const host = <strong>{siteLabel(site)}</strong>
  return (
    <section aria-label={t('popup_thisSite')}>
      <p>
        {rules.cap === null ? slots('popup_siteSpent', host, showAmount(spent)) : slots('popup_siteSpentCap', host, showAmount(spent), showDecimal(rules.cap, asset))}
        {' '}<a href={historyHref} target="_blank" rel="noreferrer" data-testid="site-history">{t('popup_siteHistory')}</a>
      </p>
      <div class="row">
        <button type="button" class="small" onClick={() => { onChange({ ...rules, paused: !rules.paused }) }}>
          {rules.paused ? t('popup_resumeSite') : t('popup_pauseSite')}
        </button>
        <button type="button" class="small" onClick={() => { onChange({ ...rules, never: !rules.never }) }}>
          {rules.never ? t('popup_payAgain') : t('popup_neverSite')}
        </button>
        <button type="button" class="small" aria-describedby="simulate-hint" onClick={() => { onChange({ ...rules, simulate: !rules.simulate }) }}>
          {rules.simulate ? t('popup_stopSimulating') : t('popup_simulateSite')}
        </button>
      </div>
      <p class="hint" id="simulate-hint">{t('popup_simulateHint')}</p>
    </section>
  )
}

/** Told once: dismissing acknowledges these repairs in the worker, and they are not listed again. */
function RepairsNotice({ repairs, onDismiss }: { repairs: readonly RepairNotice[]; onDismiss: () => void }) {
  return (
    <section class="status" data-tone="wait" role="status" aria-label={t('popup_repairsLabel')}>
      <p>{repairSummary(repairs)}</p>
      <details>
        <summary>{t('popup_details')}</summary>
        <ul>{repairs.map((r, i) => <li key={`${r.at}-${i}`}>{r.reason}</li>)}</ul>
      </details>
      <button type="button" class="small" onClick={onDismiss}>{t('popup_dismiss')}</button>
    </section>
  )
}

function UplinkLine({ state, rate, readError }: { state: UplinkState; rate: string; readError: string | null }) {
  // Settings that could not be read say nothing about whether an uplink is set up.
  if (readError !== null && state.state === 'not-configured') return <p class="error" role="alert" aria-label={t('popup_uplinkLabel')}>{readError}</p>
  const text = state.state === 'not-configured' ? t('popup_uplinkNone')
    : state.state === 'connecting' ? t('popup_uplinkConnecting', state.host)
    : state.state === 'connected' ? t('popup_uplinkConnected', state.host, state.asset.code, showDecimal(rate, state.asset))
    : t('popup_uplinkFailed', state.host, state.reason)
  return <p class="muted" role="status" aria-label={t('popup_uplinkLabel')}>{text}</p>
}
