/**
 * One site: its receivers, its rules (edited in place, checked by the worker, whose errors are shown),
 * and its days per receiver as a table with its exports.
 */
import { useEffect, useState } from 'preact/hooks'
import type { SiteHistory } from '../shared/history.ts'
import { t } from '../shared/i18n.ts'
import { fromJson } from '../shared/money.ts'
import type { SiteSettings } from '../shared/settings.ts'
import { siteTable, toCsv, toJsonText, type SiteRow } from './aggregate.ts'
import { download } from '../ui/download.ts'
import { setSite } from './data.ts'
import { formatDay } from '../ui/format.ts'
import { formatDuration, money } from './format.ts'

export const siteRows = (h: SiteHistory): SiteRow[] =>
  h.days.map((d) => ({ day: d.day, receiver: d.receiver, sent: fromJson(d.sent), unconfirmed: fromJson(d.unconfirmed), delivered: d.delivered === null ? null : fromJson(d.delivered), ms: d.ms, packets: d.packets }))
    .sort((a, b) => (a.day === b.day ? (a.receiver < b.receiver ? -1 : 1) : a.day < b.day ? 1 : -1))

export function SiteView({ history, label, fileStem, onClose }: { history: SiteHistory; label: string; fileStem: string; onClose: () => void }) {
  const rows = siteRows(history)
  const receivers = [...new Set(history.days.map((d) => d.receiver))].sort()
  const exportAs = (format: 'csv' | 'json'): void => {
    const table = siteTable(rows)
    download(`${fileStem}.${format}`, format === 'csv' ? 'text/csv' : 'application/json', format === 'csv' ? toCsv(table) : toJsonText(table))
  }
  return (
    <section aria-labelledby="site-title">
      <header class="row">
        <h2 id="site-title">{t('history_siteTitle', label)}</h2>
        <button type="button" class="small" onClick={onClose}>{t('history_allSites')}</button>
      </header>
      <p class="muted">{history.site}</p>
      <h3>{t('history_receivers')}</h3>
      {receivers.length === 0 ? <p class="muted">{t('history_noReceivers')}</p> : <ul id="site-receivers">{receivers.map((r) => <li key={r}>{r}</li>)}</ul>}
      <Rules site={history.site} rules={history.rules} />
      <h3 id="site-days-title">{t('history_siteDays')}</h3>
      {rows.length === 0 ? <p class="muted">{t('history_siteNothing')}</p> : (
        <table id="site-days" aria-labelledby="site-days-title">
          <thead>
            <tr>
              <th scope="col">{t('history_colDay')}</th>
              <th scope="col">{t('history_colReceiver')}</th>
              <th scope="col">{t('history_colSent')}</th>
              <th scope="col">{t('history_colDelivered')}</th>
              <th scope="col">{t('history_colTime')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={`${r.day} ${r.receiver}`}>
                <th scope="row">{formatDay(r.day)}</th>
                <td class="receiver">{r.receiver}</td>
                <td>{money(r.sent)}{r.unconfirmed.value > 0n && <span class="muted"> {t('history_unconfirmedNote', money(r.unconfirmed))}</span>}</td>
                <td>{r.delivered === null ? t('history_nothingArrived') : money(r.delivered)}</td>
                <td>{formatDuration(r.ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="row">
        <button type="button" onClick={() => exportAs('csv')}>{t('history_exportCsv')}</button>
        <button type="button" onClick={() => exportAs('json')}>{t('history_exportJson')}</button>
      </div>
    </section>
  )
}

function Rules({ site, rules }: { site: string; rules: SiteSettings }) {
  const [rate, setRate] = useState(rules.ratePerHour ?? '')
  const [cap, setCap] = useState(rules.cap ?? '')
  const [paused, setPaused] = useState(rules.paused)
  const [never, setNever] = useState(rules.never)
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null)
  useEffect(() => {
    setRate(rules.ratePerHour ?? '')
    setCap(rules.cap ?? '')
    setPaused(rules.paused)
    setNever(rules.never)
  }, [site, rules.ratePerHour, rules.cap, rules.paused, rules.never])

  const save = async (e: Event): Promise<void> => {
    e.preventDefault()
    const r = await setSite(site, { ...rules, ratePerHour: rate.trim() === '' ? null : rate.trim(), cap: cap.trim() === '' ? null : cap.trim(), paused, never })
    setMessage(r.ok ? { error: false, text: t('history_rulesSaved') } : { error: true, text: r.error })
  }

  return (
    <form onSubmit={(e) => { void save(e) }} aria-labelledby="rules-title">
      <h3 id="rules-title">{t('history_rules')}</h3>
      <label for="rule-rate">{t('history_ruleRate')}<p class="hint" id="rule-rate-hint">{t('history_ruleRateHint')}</p></label>
      <input id="rule-rate" type="text" inputMode="decimal" aria-describedby="rule-rate-hint" value={rate} onInput={(e) => setRate(e.currentTarget.value)} />
      <label for="rule-cap">{t('history_ruleCap')}<p class="hint" id="rule-cap-hint">{t('history_ruleCapHint')}</p></label>
      <input id="rule-cap" type="text" inputMode="decimal" aria-describedby="rule-cap-hint" value={cap} onInput={(e) => setCap(e.currentTarget.value)} />
      <label><input type="checkbox" checked={paused} onChange={(e) => setPaused(e.currentTarget.checked)} /> {t('history_rulePaused')}</label>
      <label><input type="checkbox" checked={never} onChange={(e) => setNever(e.currentTarget.checked)} /> {t('history_ruleNever')}</label>
      <button type="submit">{t('history_rulesSave')}</button>
      {message !== null && <p role={message.error ? 'alert' : 'status'} class={message.error ? 'error' : ''}>{message.text}</p>}
    </form>
  )
}
