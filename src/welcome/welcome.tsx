/**
 * The first-run page, opened once on install (src/background/platform/first-run.ts): what Trickle
 * does, what it costs by default (from the worker's settings, in the user's language), and the two
 * ways to start: set up an uplink, or try it without money in simulator mode; and where an uplink can
 * come from (a connector of one's own, a Rafiki peer, or the sandbox).
 */
import { useEffect, useState } from 'preact/hooks'
import browser from 'webextension-polyfill'
import { t, uiLocale } from '../shared/i18n.ts'
import type { SettingsView } from '../shared/messages.ts'
import { formatAmount, parseDecimal, type Asset } from '../shared/money.ts'
import { ask } from '../ui/api.ts'

/** Rafiki's own guide to what a peering relationship needs (a public page). */
const RAFIKI_PEERS = 'https://rafiki.dev/integration/requirements/peers'

/** A decimal from the settings: money in the uplink's asset when known (truncated to its scale, as paid), else a plain number. */
function decimalText(decimal: string, asset: Asset | null): string {
  const value = asset === null ? null : parseDecimal(decimal, asset.scale)
  if (asset !== null && value !== null) return formatAmount({ ...asset, value }, uiLocale())
  return new Intl.NumberFormat(uiLocale(), { maximumFractionDigits: 20 }).format(decimal as unknown as number) // exact from the string
}

function Cost({ view }: { view: SettingsView }) {
  const asset = view.uplinkState.state === 'connected' ? view.uplinkState.asset : null
  const rate = decimalText(view.ratePerHour, asset)
  const budget = decimalText(view.budget.amount, asset)
  const weekly = view.budget.period === 'weekly'
  const text = asset === null
    ? t(weekly ? 'welcome_costPlain_weekly' : 'welcome_costPlain_monthly', rate, budget)
    : t(weekly ? 'welcome_cost_weekly' : 'welcome_cost_monthly', rate, budget)
  return (
    <>
      <p data-testid="cost">{text}</p>
      <p>{t('welcome_hardLimit')}</p>
    </>
  )
}

export function Welcome() {
  const [view, setView] = useState<SettingsView | null>(null)
  const [error, setError] = useState<string | null>(null)
  useEffect(() => {
    void ask('get-settings', null).then((r) => {
      if (r.ok) setView(r.value)
      else setError(r.error)
    })
  }, [])
  const options = browser.runtime.getURL('/src/options/index.html')
  return (
    <>
      <h1>{t('welcome_heading')}</h1>
      <p>{t('welcome_what')}</p>
      <p>{t('welcome_when')}</p>

      <h2>{t('welcome_costHeading')}</h2>
      {error !== null ? <p class="error" role="alert">{t('welcome_settingsError', error)}</p>
        : view === null ? <p class="muted">{t('welcome_loading')}</p>
        : <Cost view={view} />}
      {view !== null && view.readError !== null && <p class="error" role="alert">{view.readError}</p>}

      <h2>{t('welcome_startHeading')}</h2>
      <div class="starts">
        <section class="start" aria-labelledby="start-uplink">
          <h3 id="start-uplink">{t('welcome_uplinkHeading')}</h3>
          <p>{t('welcome_uplinkWhat')}</p>
          <a class="button" href={options} data-testid="to-options">{t('welcome_uplinkLink')}</a>
        </section>
        <section class="start" aria-labelledby="start-simulate">
          <h3 id="start-simulate">{t('welcome_simulateHeading')}</h3>
          <p>{t('welcome_simulateShort')}</p>
          <a class="button" href="#simulator" data-testid="to-simulator">{t('welcome_simulateLink')}</a>
        </section>
      </div>

      <section aria-labelledby="where-uplink">
        <h2 id="where-uplink">{t('welcome_whereHeading')}</h2>
        <p>{t('welcome_whereIntro')}</p>
        <ul>
          <li>{t('welcome_whereConnector')}</li>
          <li>
            {t('welcome_whereRafiki')}{' '}
            <a href={RAFIKI_PEERS} target="_blank" rel="noreferrer">{t('welcome_whereRafikiLink')}</a>
          </li>
          <li>{t('welcome_whereTry')}</li>
        </ul>
      </section>

      <section id="simulator" tabIndex={-1} aria-labelledby="simulator-heading">
        <h2 id="simulator-heading">{t('welcome_simulatorHeading')}</h2>
        <p>{t('welcome_simulatorWhat')}</p>
        <ol>
          <li>{t('welcome_simulatorStep1')}</li>
          <li>{t('welcome_simulatorStep2')}</li>
          <li>{t('welcome_simulatorStep3')}</li>
        </ol>
        <p>{t('welcome_simulatorOff')}</p>
        <p class="muted">{t('welcome_developers')}</p>
      </section>
    </>
  )
}
