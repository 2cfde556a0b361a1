/**
 * Settings: the uplink (the user's Interledger account), the rate, the budget, idle time, per-site
 * rules, export and import of settings, and the ledger's export. The stored uplink is never shown
 * back, only its redacted form: its token stays in the worker and extension storage, and exports
 * leave it out.
 */
import { useEffect, useRef, useState } from 'preact/hooks'
import type { LedgerFormat, SettingsView } from '../shared/messages.ts'
import { DEFAULT_SITE, uplinkKind, type BudgetPeriod, type SiteSettings, type UplinkKind } from '../shared/settings.ts'
import type { UplinkState } from '../shared/status.ts'
import browser from 'webextension-polyfill'
import { download } from '../ui/download.ts'
import { exportLedger } from '../ui/ledger-export.ts'
import { ask, watchChanges } from '../ui/api.ts'
import { testerUrl, uplinkSummary } from '../ui/format.ts'
import { t, uiLocale } from '../shared/i18n.ts'
import { EMPTY_UPLINK_FORM, kindName, UplinkFields, uplinkToSave, type UplinkForm } from './uplink-fields.tsx'

/** The days of the week in the browser's language, Sunday first (day 0, as the settings count them). */
const WEEKDAYS = Array.from({ length: 7 }, (_, i) =>
  new Intl.DateTimeFormat(uiLocale(), { weekday: 'long', timeZone: 'UTC' }).format(Date.UTC(2023, 0, 1 + i)))


export function Options() {
  const [view, setView] = useState<SettingsView | null>(null)
  const [uplink, setUplink] = useState<UplinkForm>(EMPTY_UPLINK_FORM)
  const [rate, setRate] = useState('')
  const [budget, setBudget] = useState('')
  const [period, setPeriod] = useState<BudgetPeriod>('monthly')
  const [renewDay, setRenewDay] = useState(1)
  const [idle, setIdle] = useState('10')
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null)
  /** Why the last request for the settings failed (the worker did not answer, say); null once one succeeds. */
  const [loadError, setLoadError] = useState<string | null>(null)
  /** What the form was filled from: the worker's defaults while it could not read the stored settings. */
  const filled = useRef<'nothing' | 'defaults' | 'stored'>('nothing')

  const fill = (v: SettingsView): void => {
    setRate(v.ratePerHour)
    setBudget(v.budget.amount)
    setPeriod(v.budget.period)
    setRenewDay(v.budget.renewDay)
    setIdle(String(v.idleMinutes))
  }

  useEffect(() => {
    let stopped = false
    const load = async (): Promise<void> => {
      const r = await ask('get-settings', null)
      if (stopped) return
      if (!r.ok) {
        setLoadError(r.error)
        return
      }
      setLoadError(null)
      setView(r.value)
      // The form is filled once, and again when the stored settings could be read at last.
      const from = r.value.readError === null ? 'stored' : 'defaults'
      if (filled.current === 'nothing' || (filled.current === 'defaults' && from === 'stored')) {
        fill(r.value)
        filled.current = from
      }
    }
    void load()
    const unwatch = watchChanges(() => { void load() })
    return () => {
      stopped = true
      unwatch()
    }
  }, [])

  const save = async (e: Event): Promise<void> => {
    e.preventDefault()
    const uplinkUrl = uplinkToSave(uplink)
    if (!uplinkUrl.ok) {
      setMessage({ error: true, text: uplinkUrl.error })
      return
    }
    const r = await ask('save-settings', {
      uplinkUrl: uplinkUrl.value,
      ratePerHour: rate,
      budget: { amount: budget, period, renewDay },
      idleMinutes: Number(idle),
    })
    if (!r.ok) {
      setMessage({ error: true, text: r.error })
      return
    }
    setView(r.value)
    setUplink(EMPTY_UPLINK_FORM)
    setMessage({ error: false, text: t('options_saved') })
  }

  const exportSettings = async (): Promise<void> => {
    const r = await ask('export-settings', null)
    if (r.ok) download('trickle-settings.json', 'application/json', r.value)
    else setMessage({ error: true, text: r.error })
  }

  const importSettings = async (file: File | undefined): Promise<void> => {
    if (file === undefined) return
    const r = await ask('import-settings', { text: await file.text() })
    if (r.ok) {
      setView(r.value)
      fill(r.value)
    }
    setMessage(r.ok ? { error: false, text: t('options_imported') } : { error: true, text: r.error })
  }

  const exportFile = async (format: LedgerFormat): Promise<void> => {
    const r = await exportLedger(format, Date.now())
    if (r.ok) download(`trickle-ledger.${format}`, format === 'csv' ? 'text/csv' : 'application/json', r.value)
    else setMessage({ error: true, text: r.error })
  }

  const forget = async (): Promise<void> => {
    const r = await ask('forget-uplink', null)
    if (r.ok) setView(r.value)
    setMessage(r.ok ? { error: false, text: t('options_uplinkRemoved') } : { error: true, text: r.error })
  }

  return (
    <>
      <h1>{t('options_title')}</h1>
      <form onSubmit={(e) => { void save(e) }}>
        <h2>{t('options_account')}</h2>
        {(() => {
          const line = uplinkSummary(view, loadError)
          return <p class={line.error ? 'error' : 'muted'} role={line.error ? 'alert' : 'status'} aria-label={t('options_currentUplinkLabel')}>{line.text}</p>
        })()}
        {view !== null && loadError !== null && <p class="error" role="alert">{loadError}</p>}
        {view !== null && <UplinkStatus state={view.uplinkState} kind={uplinkKind(view.uplink?.display ?? '')} />}
        <UplinkFields form={uplink} onChange={setUplink} />
        <label for="rate">
          {t('options_rate')}
          <p class="hint" id="rate-hint">{t('options_rateHint')}</p>
        </label>
        <input id="rate" type="text" inputMode="decimal" aria-describedby="rate-hint"
          value={rate} onInput={(e) => setRate(e.currentTarget.value)} />
        <h2>{t('options_budget')}</h2>
        <label for="budget">
          {t('options_budgetPerPeriod')}
          <p class="hint" id="budget-hint">{t('options_budgetHint')}</p>
        </label>
        <input id="budget" type="text" inputMode="decimal" aria-describedby="budget-hint"
          value={budget} onInput={(e) => setBudget(e.currentTarget.value)} />
        <label for="period">{t('options_renews')}</label>
        <select id="period" value={period} onChange={(e) => {
          const next = e.currentTarget.value === 'weekly' ? 'weekly' : 'monthly'
          setPeriod(next)
          setRenewDay(1)
        }}>
          <option value="monthly">{t('options_monthly')}</option>
          <option value="weekly">{t('options_weekly')}</option>
        </select>{' '}
        <select id="renew-day" aria-label={t('options_renewalDay')} value={String(renewDay)} onChange={(e) => setRenewDay(Number(e.currentTarget.value))}>
          {period === 'monthly'
            ? Array.from({ length: 31 }, (_, i) => <option key={i} value={String(i + 1)}>{t('options_onDay', i + 1)}</option>)
            : WEEKDAYS.map((d, i) => <option key={d} value={String(i)}>{t('options_onWeekday', d)}</option>)}
        </select>
        <label for="idle">
          {t('options_idle')}
          <p class="hint" id="idle-hint">{t('options_idleHint')}</p>
        </label>
        <input id="idle" type="number" min={1} max={240} aria-describedby="idle-hint"
          value={idle} onInput={(e) => setIdle(e.currentTarget.value)} />
        <div>
          <button type="submit">{t('options_save')}</button>{' '}
          {view !== null && view.uplink !== null && view.readError === null && <button type="button" onClick={() => { void forget() }}>{t('options_removeUplink')}</button>}
        </div>
        {message !== null && <p role={message.error ? 'alert' : 'status'} class={message.error ? 'error' : ''}>{message.text}</p>}
      </form>
      {view !== null && <Sites sites={view.sites} onSaved={setView} onError={(text) => setMessage({ error: true, text })} />}
      <h2>{t('options_forSiteOwners')}</h2>
      <p><a href={testerUrl(null, (p) => browser.runtime.getURL(p))} target="_blank" rel="noreferrer">{t('options_testPointer')}</a>{t('options_testPointerWhy')}</p>
      <h2>{t('options_yourData')}</h2>
      <p class="muted">{t('options_dataHint')}</p>
      <div class="row">
        <button type="button" onClick={() => { void exportSettings() }}>{t('options_exportSettings')}</button>
        <label class="button">{t('options_importSettings')}
          <input type="file" accept="application/json,.json" aria-label={t('options_importSettingsFile')} hidden
            onChange={(e) => { void importSettings(e.currentTarget.files?.[0]); e.currentTarget.value = '' }} />
        </label>
      </div>
      <div class="row">
        <button type="button" onClick={() => { void exportFile('csv') }}>{t('options_exportCsv')}</button>
        <button type="button" onClick={() => { void exportFile('json') }}>{t('options_exportJson')}</button>
      </div>
    </>
  )
}

/** Per-site rules: a rate of their own, a cap per period, paused, never paid. */
function Sites({ sites, onSaved, onError }: { sites: Record<string, SiteSettings>; onSaved: (v: SettingsView) => void; onError: (text: string) => void }) {
  const [site, setSite] = useState('')
  const [rate, setRate] = useState('')
  const [cap, setCap] = useState('')
  const [never, setNever] = useState(false)
  const [simulate, setSimulate] = useState(false)

  const save = async (key: string, rules: SiteSettings): Promise<boolean> => {
    const r = await ask('set-site', { site: key, rules })
    if (r.ok) onSaved(r.value)
    else onError(r.error)
    return r.ok
  }

  const add = async (e: Event): Promise<void> => {
    e.preventDefault()
    const ok = await save(site, { ...DEFAULT_SITE, ...sites[site], ratePerHour: rate.trim() === '' ? null : rate, cap: cap.trim() === '' ? null : cap, never, simulate })
    if (ok) {
      setSite('')
      setRate('')
      setCap('')
      setNever(false)
      setSimulate(false)
    }
  }

  const entries = Object.entries(sites).sort(([a], [b]) => a.localeCompare(b))
  return (
    <form onSubmit={(e) => { void add(e) }} aria-label={t('options_sites')}>
      <h2>{t('options_sites')}</h2>
      {entries.length > 0 && (
        <table>
          <thead><tr><th>{t('options_site')}</th><th>{t('options_ratePerHourShort')}</th><th>{t('options_cap')}</th><th>{t('options_state')}</th><td /></tr></thead>
          <tbody>
            {entries.map(([key, rules]) => (
              <tr key={key}>
                <td>{key}</td>
                <td>{rules.ratePerHour ?? t('options_rateDefault')}</td>
                <td>{rules.cap ?? t('options_capNone')}</td>
                <td>{rules.never ? t('options_stateNever') : rules.paused ? t('options_statePaused') : rules.simulate ? t('options_stateSimulated') : t('options_statePaid')}</td>
                <td><button type="button" class="small" aria-label={t('options_forgetSite', key)} onClick={() => { void save(key, DEFAULT_SITE) }}>{t('options_remove')}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <label for="site">{t('options_site')}<p class="hint">{t('options_siteHint')}</p></label>
      <input id="site" type="text" value={site} onInput={(e) => setSite(e.currentTarget.value)} />
      <label for="site-rate">{t('options_siteRate')}<p class="hint">{t('options_siteRateHint')}</p></label>
      <input id="site-rate" type="text" inputMode="decimal" value={rate} onInput={(e) => setRate(e.currentTarget.value)} />
      <label for="site-cap">{t('options_siteCap')}<p class="hint">{t('options_siteCapHint')}</p></label>
      <input id="site-cap" type="text" inputMode="decimal" value={cap} onInput={(e) => setCap(e.currentTarget.value)} />
      <label><input id="site-never" type="checkbox" checked={never} onChange={(e) => setNever(e.currentTarget.checked)} /> {t('options_never')}</label>
      <label>
        <input id="site-simulate" type="checkbox" checked={simulate} onChange={(e) => setSimulate(e.currentTarget.checked)} /> {t('options_simulate')}
        <p class="hint">{t('options_simulateHint')}</p>
      </label>
      <button type="submit">{t('options_applySite')}</button>
    </form>
  )
}

function UplinkStatus({ state, kind }: { state: UplinkState; kind: UplinkKind | null }) {
  switch (state.state) {
    case 'not-configured': return null
    case 'connecting': return <p role="status" aria-label={t('options_uplinkStatus')}>{t('options_connecting', state.host)}</p>
    case 'connected': return (
      <p role="status" aria-label={t('options_uplinkStatus')}>
        {kind === null
          ? t('options_connected', state.host, state.asset.code, state.asset.scale, state.address)
          : t('options_connectedVia', state.host, kindName(kind), state.asset.code, state.asset.scale, state.address)}
      </p>
    )
    case 'failed': return <p role="status" aria-label={t('options_uplinkStatus')} class="error">{t('options_uplinkFailed', state.reason)}</p>
  }
}
