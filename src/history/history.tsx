/**
 * The history page: where the money went, over time, and whether the budget will last. A chart of
 * spending per day, week or month (all sites, or one site alone: a single series stays legible with
 * a thousand sites and its table matches it exactly, where stacked bars of many sites would not),
 * the statement of a budget period, one site's history and rules (`?site=<origin>`), and the
 * forecast. Asks again whenever the worker says something changed.
 */
import { useEffect, useMemo, useState } from 'preact/hooks'
import { forecast, type Forecast } from '../shared/forecast.ts'
import type { HistoryDays, HistoryRange, SiteHistory, Statement } from '../shared/history.ts'
import { t, uiLocale } from '../shared/i18n.ts'
import type { Overview, SettingsView } from '../shared/messages.ts'
import { parseDecimal, type Asset } from '../shared/money.ts'
import { addDays, dayKey, periodOf, type Period } from '../shared/period.ts'
import { watchChanges } from '../ui/api.ts'
import { formatDay, siteLabel } from '../ui/format.ts'
import { bucketize, bucketOf, budgetForBucket, firstDayOfWeek, GRANULARITIES, statementRows, type Granularity } from './aggregate.ts'
import { SpendingChart } from './chart.tsx'
import * as data from './data.ts'
import { formatRange, money } from './format.ts'
import { SiteView } from './site.tsx'
import { StatementView } from './statement.tsx'

const PERIODS_BACK = 24
const BUCKETS = 12
/** How many sites the chart's site list offers. */
const SITE_CHOICES = 30

/** The periods offered, newest first: this one and the ones before it. */
function periodsBack(today: string, budget: SettingsView['budget']): Period[] {
  const out = [periodOf(today, budget)]
  while (out.length < PERIODS_BACK) out.push(periodOf(addDays(out.at(-1)?.start ?? today, -1), budget))
  return out
}

/** What the chart covers for a granularity, ending with the chosen period. */
function chartRange(period: Period, g: Granularity, weekStart: number): HistoryRange {
  if (g === 'day') return { from: period.start, to: period.end }
  const last = bucketOf(addDays(period.end, -1), g, weekStart)
  let from = last.start
  for (let i = 1; i < BUCKETS; i++) from = bucketOf(addDays(from, -1), g, weekStart).start
  return { from, to: last.end }
}

const siteFromUrl = (): string | null => new URLSearchParams(location.search).get('site')

export function History() {
  const [view, setView] = useState<SettingsView | null>(null)
  const [ov, setOv] = useState<Overview | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [periodIndex, setPeriodIndex] = useState(0)
  const [granularity, setGranularity] = useState<Granularity>('day')
  const [site, setSiteState] = useState<string | null>(siteFromUrl)
  const [days, setDays] = useState<HistoryDays | null>(null)
  const [current, setCurrent] = useState<HistoryDays | null>(null)
  const [stmt, setStmt] = useState<Statement | null>(null)
  const [siteHist, setSiteHist] = useState<SiteHistory | null>(null)
  const [tick, setTick] = useState(0)

  const today = dayKey(Date.now())
  const weekStart = useMemo(() => firstDayOfWeek(uiLocale()), [])
  const periods = view === null ? [] : periodsBack(today, view.budget)
  const period = periods[periodIndex] ?? null
  const range = period === null ? null : chartRange(period, granularity, weekStart)

  useEffect(() => {
    const load = async (): Promise<void> => {
      const [s, o] = await Promise.all([data.settings(), data.overview()])
      if (!s.ok) return setError(s.error)
      if (!o.ok) return setError(o.error)
      setError(null)
      setView(s.value)
      setOv(o.value)
      setTick((n) => n + 1)
    }
    void load()
    const unwatch = watchChanges(() => { void load() })
    const onPop = (): void => setSiteState(siteFromUrl())
    addEventListener('popstate', onPop)
    return () => { unwatch(); removeEventListener('popstate', onPop) }
  }, [])

  const key = `${period?.start ?? ''} ${range?.from ?? ''} ${range?.to ?? ''} ${site ?? ''} ${tick}`
  useEffect(() => {
    if (period === null || range === null || periods[0] === undefined) return
    let stale = false
    const thisPeriod = periods[0]
    void Promise.all([
      data.historyDays(range), data.statement({ from: period.start, to: period.end }), data.historyDays({ from: thisPeriod.start, to: thisPeriod.end }),
      site === null ? Promise.resolve(null) : data.siteHistory(site, range),
    ]).then(([d, st, cur, sh]) => {
      if (stale) return
      const failed = [d, st, cur, sh].find((r) => r !== null && !r.ok)
      if (failed !== undefined && failed !== null && !failed.ok) return setError(failed.error)
      if (d.ok) setDays(d.value)
      if (st.ok) setStmt(st.value)
      if (cur.ok) setCurrent(cur.value)
      setSiteHist(sh !== null && sh.ok ? sh.value : null)
    })
    return () => { stale = true }
  }, [key])

  const openSite = (s: string | null): void => {
    const url = new URL(location.href)
    if (s === null) url.searchParams.delete('site')
    else url.searchParams.set('site', s)
    history.pushState(null, '', url)
    setSiteState(s)
  }

  const asset: Asset | null = ov?.asset ?? null
  const budgetUnits = view !== null && asset !== null ? parseDecimal(view.budget.amount, asset.scale) : null
  const rows = useMemo(() => (stmt === null ? [] : statementRows(stmt.lines, siteLabel, (s, a) => {
    const cap = view?.sites[s]?.cap ?? null
    return cap === null ? null : parseDecimal(cap, a.scale)
  })), [stmt, view])

  // The chart's site list: the period's most paid sites (the statement below finds any other).
  const choices = useMemo(() => [...rows].sort((a, b) => (a.sent.value === b.sent.value ? 0 : a.sent.value > b.sent.value ? -1 : 1)).slice(0, SITE_CHOICES), [rows])

  const siteCap = site !== null && asset !== null ? (view?.sites[site]?.cap ?? null) : null
  const capUnits = siteCap === null || asset === null ? null : parseDecimal(siteCap, asset.scale)
  const chartDays = site !== null && siteHist !== null
    ? siteHist.days.map((d) => ({ day: d.day, sent: d.sent, unconfirmed: d.unconfirmed, ms: d.ms }))
    : site === null ? days?.days ?? null : null
  const buckets = asset !== null && range !== null && chartDays !== null ? bucketize(chartDays, range, granularity, weekStart, asset) : null
  const lineUnits = site !== null ? capUnits : budgetUnits
  const line = buckets === null || lineUnits === null || view === null ? null : buckets.map((b) => budgetForBucket(lineUnits, view.budget, b))

  const fc: Forecast | null = view === null || budgetUnits === null || current === null || asset === null ? null : forecast({
    now: Date.now(), budget: view.budget, amount: budgetUnits,
    days: current.days.filter((d) => d.sent.code === asset.code && d.sent.scale === asset.scale).map((d) => ({ day: d.day, spent: BigInt(d.sent.value) + BigInt(d.unconfirmed.value) })),
  })

  return (
    <>
      <h1>{t('history_title')}</h1>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {view === null && error === null && <p class="muted">{t('history_loading')}</p>}
      {view !== null && asset === null && <p class="status" role="status">{t('history_noAsset')}</p>}
      {fc !== null && asset !== null && budgetUnits !== null && <ForecastLine forecast={fc} budget={money({ value: budgetUnits, ...asset })} />}
      {view !== null && (
        <div class="row controls">
          <label class="inline">{t('history_period')}
            <select value={String(periodIndex)} onChange={(e) => setPeriodIndex(Number(e.currentTarget.value))}>
              {periods.map((p, i) => <option key={p.start} value={String(i)}>{i === 0 ? t('history_periodCurrent', formatRange(p.start, p.end)) : formatRange(p.start, p.end)}</option>)}
            </select>
          </label>
          <label class="inline">{t('history_granularity')}
            <select value={granularity} onChange={(e) => setGranularity(e.currentTarget.value as Granularity)}>
              {GRANULARITIES.map((g) => <option key={g} value={g}>{t(g === 'day' ? 'history_perDay' : g === 'week' ? 'history_perWeek' : 'history_perMonth')}</option>)}
            </select>
          </label>
          <label class="inline">{t('history_siteSelect')}
            <select value={site ?? ''} onChange={(e) => openSite(e.currentTarget.value === '' ? null : e.currentTarget.value)}>
              <option value="">{t('history_allSites')}</option>
              {site !== null && !choices.some((r) => r.site === site) && <option value={site}>{siteLabel(site)}</option>}
              {choices.map((r) => <option key={r.site} value={r.site}>{r.label}</option>)}
            </select>
          </label>
        </div>
      )}
      {buckets !== null && asset !== null && (
        <section aria-labelledby="chart-title">
          <h2 id="chart-title">{t('history_chartTitle', site === null ? t('history_allSites') : siteLabel(site))}</h2>
          <SpendingChart buckets={buckets} line={line} asset={asset} granularity={granularity}
            lineLabel={site !== null ? t('history_capLine') : t('history_budgetLine')} subject={site === null ? t('history_allSites') : siteLabel(site)} />
        </section>
      )}
      {site !== null && siteHist !== null && (
        <SiteView history={siteHist} label={siteLabel(site)} fileStem={`trickle-${siteLabel(site).replace(/[^\w.-]+/g, '_')}-${range?.from ?? ''}`} onClose={() => openSite(null)} />
      )}
      {site === null && stmt !== null && period !== null && (
        <StatementView rows={rows} periodLabel={formatRange(period.start, period.end)} fileStem={`trickle-statement-${period.start}`} onSite={(s) => openSite(s)} />
      )}
    </>
  )
}

function ForecastLine({ forecast: f, budget }: { forecast: Forecast; budget: string }) {
  const end = formatDay(addDays(f.period.end, -1))
  const text = f.kind === 'no-spending' ? t('history_forecastNothing', budget, end)
    : f.kind === 'lasts' ? t('history_forecastLasts', budget, end)
    : f.kind === 'runs-out' ? t('history_forecastRunsOut', budget, formatDay(f.day))
    : t('history_forecastExhausted', budget, formatDay(f.day))
  return <p id="forecast" class="status" data-tone={f.kind === 'runs-out' ? 'wait' : f.kind === 'exhausted' ? 'bad' : 'ok'} role="status">{text}</p>
}

