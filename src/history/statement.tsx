/**
 * The statement of one period: each site, what was sent, what arrived (in each receiver's currency),
 * time paid, its share of the period's spending and its cap. Searchable and sortable; only the first
 * rows are rendered until the user asks for more, so a thousand sites open fast. The exports carry
 * every row that matches the search, in the order shown.
 */
import { useMemo, useState } from 'preact/hooks'
import { t, tn } from '../shared/i18n.ts'
import { type Amount } from '../shared/money.ts'
import { percent, searchAndSort, statementTable, SORT_KEYS, sum, toCsv, toJsonText, type SortKey, type StatementRow } from './aggregate.ts'
import { download } from '../ui/download.ts'
import { formatDuration, formatPercent, money } from './format.ts'

const PAGE = 100

const SORT_LABEL: Record<SortKey, () => string> = {
  site: () => t('history_sortSite'), sent: () => t('history_sortSent'), time: () => t('history_sortTime'), share: () => t('history_sortShare'),
}

export function StatementView({ rows, periodLabel, fileStem, onSite }: { rows: StatementRow[]; periodLabel: string; fileStem: string; onSite: (site: string) => void }) {
  const [query, setQuery] = useState('')
  const [key, setKey] = useState<SortKey>('sent')
  const [descending, setDescending] = useState(true)
  const [shown, setShown] = useState(PAGE)
  const sorted = useMemo(() => searchAndSort(rows, query, key, descending), [rows, query, key, descending])
  const visible = sorted.slice(0, shown)
  const asset = rows[0]?.sent
  const total = asset === undefined ? null : { ...asset, value: sum(rows.map((r) => r.sent.value)) }
  const unconfirmed = asset === undefined ? 0n : sum(rows.map((r) => r.unconfirmed.value))

  const exportAs = (format: 'csv' | 'json'): void => {
    const table = statementTable(sorted)
    download(`${fileStem}.${format}`, format === 'csv' ? 'text/csv' : 'application/json', format === 'csv' ? toCsv(table) : toJsonText(table))
  }

  return (
    <section aria-labelledby="statement-title">
      <h2 id="statement-title">{t('history_statementTitle', periodLabel)}</h2>
      {total !== null && (
        <p id="statement-total">{unconfirmed > 0n
          ? t('history_totalWithUnconfirmed', money(total), money({ ...total, value: unconfirmed }))
          : t('history_total', money(total))}</p>
      )}
      <div class="row controls">
        <label class="inline">{t('history_search')}
          <input type="search" value={query} onInput={(e) => { setQuery(e.currentTarget.value); setShown(PAGE) }} />
        </label>
        <label class="inline">{t('history_sortBy')}
          <select value={key} onChange={(e) => { const k = e.currentTarget.value as SortKey; setKey(k); setDescending(k !== 'site') }}>
            {SORT_KEYS.map((k) => <option key={k} value={k}>{SORT_LABEL[k]()}</option>)}
          </select>
        </label>
        <label class="inline"><input type="checkbox" checked={descending} onChange={(e) => setDescending(e.currentTarget.checked)} /> {t('history_descending')}</label>
      </div>
      <p class="muted" role="status">{tn('history_matching', sorted.length)}</p>
      {sorted.length > 0 && (
        <table id="statement" aria-labelledby="statement-title">
          <thead>
            <tr>
              <th scope="col">{t('history_colSite')}</th>
              <th scope="col">{t('history_colSent')}</th>
              <th scope="col">{t('history_colDelivered')}</th>
              <th scope="col">{t('history_colTime')}</th>
              <th scope="col">{t('history_colShare')}</th>
              <th scope="col">{t('history_colCap')}</th>
            </tr>
          </thead>
          <tbody>
            {visible.map((r) => (
              <tr key={r.site} data-site={r.site}>
                <th scope="row"><button type="button" class="link" onClick={() => onSite(r.site)} title={r.site}>{r.label}</button></th>
                <td>{money(r.sent)}{r.unconfirmed.value > 0n && <span class="muted"> {t('history_unconfirmedNote', money(r.unconfirmed))}</span>}</td>
                <td>
                  {r.delivered.length === 0 ? t('history_nothingArrived') : r.delivered.map((d) => <span key={d.code + String(d.scale)} class="delivered">{money(d)}</span>)}
                  {r.otherAssets > 0 && <span class="delivered muted">{tn('history_otherAssets', r.otherAssets)}</span>}
                </td>
                <td>{formatDuration(r.ms)}</td>
                <td>{t('history_percent', formatPercent(r.share))}</td>
                <td>{r.cap === null ? t('history_noCap') : capText(r.sent, r.unconfirmed, r.cap)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {sorted.length > shown && (
        <button type="button" onClick={() => setShown(shown + PAGE)}>{t('history_showMore', Math.min(PAGE, sorted.length - shown), sorted.length - shown)}</button>
      )}
      <div class="row">
        <button type="button" onClick={() => exportAs('csv')}>{t('history_exportCsv')}</button>
        <button type="button" onClick={() => exportAs('json')}>{t('history_exportJson')}</button>
      </div>
      <p class="hint">{tn('history_exportHint', sorted.length)}</p>
    </section>
  )
}

/** "40 % of 0.05 $": a cap and how much of it the period used. */
const capText = (sent: Amount, unconfirmed: Amount, cap: Amount): string =>
  t('history_capUse', formatPercent(percent(sent.value + unconfirmed.value, cap.value)), money(cap))
