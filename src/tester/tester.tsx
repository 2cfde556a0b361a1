/**
 * The pointer tester for site owners: "can this payment pointer be paid, and if not, why?" Walks the
 * chain in the worker (syntax → URL → HTTP → headers → JSON → destination_account → shared_secret →
 * STREAM → test payment) and shows each step with its verdict, time and fix; the report can be copied
 * as text or JSON for a wallet's support. `?pointer=` pre-fills it (the popup passes the page's).
 */
import { useState } from 'preact/hooks'
import { reportText, type CheckReport } from '../shared/check-report.ts'
import { ask } from '../ui/api.ts'
import { showAmount } from '../ui/format.ts'
import { t } from '../shared/i18n.ts'

/** A step's name for people (protocol names such as HTTP and destination_account stay as they are). */
const stepName = (step: string): string => {
  switch (step) {
    case 'syntax': return t('tester_stepSyntax')
    case 'url': return t('tester_stepUrl')
    case 'http': return 'HTTP'
    case 'headers': return t('tester_stepHeaders')
    case 'json': return 'JSON'
    case 'destination_account': return 'destination_account'
    case 'shared_secret': return 'shared_secret'
    case 'stream': return t('tester_stepStream')
    case 'payment': return t('tester_stepPayment')
    default: return step
  }
}

export function Tester() {
  const params = new URLSearchParams(location.search)
  const [pointer, setPointer] = useState(params.get('pointer') ?? '')
  const [pay, setPay] = useState(true)
  const [amount, setAmount] = useState('')
  const [busy, setBusy] = useState(false)
  const [report, setReport] = useState<CheckReport | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [copied, setCopied] = useState<string | null>(null)

  const run = async (e: Event): Promise<void> => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    setReport(null)
    const r = await ask('check-pointer', { pointer, pay, amount: amount.trim() === '' ? null : amount.trim() })
    setBusy(false)
    if (r.ok) setReport(r.value)
    else setError(r.error)
  }

  const copy = async (what: 'text' | 'JSON'): Promise<void> => {
    if (report === null) return
    await navigator.clipboard.writeText(what === 'text' ? reportText(report) : JSON.stringify(report, null, 2)).catch(() => undefined)
    setCopied(what)
  }

  return (
    <>
      <h1>{t('tester_title')}</h1>
      <p class="muted">{t('tester_intro')}</p>
      <form onSubmit={(e) => { void run(e) }}>
        <label for="pointer">{t('tester_pointer')}<p class="hint">{t('tester_pointerHint')}</p></label>
        <input id="pointer" type="text" spellcheck={false} value={pointer} onInput={(e) => setPointer(e.currentTarget.value)} />
        <label><input type="checkbox" checked={pay} onChange={(e) => setPay(e.currentTarget.checked)} /> {t('tester_sendPayment')}</label>
        {pay && (
          <>
            <label for="amount">{t('tester_amount')}<p class="hint">{t('tester_amountHint')}</p></label>
            <input id="amount" type="text" inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
          </>
        )}
        <button type="submit" disabled={busy}>{busy ? t('tester_testing') : t('tester_test')}</button>
      </form>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {report !== null && (
        <section aria-label={t('tester_report')}>
          <p class="status" data-tone={report.ok ? 'ok' : 'bad'} role="status">
            <strong>{report.ok ? t('tester_payable') : t('tester_notPayable', stepName(report.failed ?? ''))}</strong>
          </p>
          <table>
            <thead><tr><th>{t('tester_step')}</th><th>{t('tester_result')}</th><th>{t('tester_time')}</th><th>{t('tester_details')}</th></tr></thead>
            <tbody>
              {report.steps.map((s) => (
                <tr key={s.step} data-step={s.step} data-ok={String(s.ok)}>
                  <td>{stepName(s.step)}</td>
                  <td>{s.ok === null ? '—' : s.ok ? t('tester_ok') : t('tester_failed')}</td>
                  <td>{t('tester_ms', s.ms)}</td>
                  <td>{s.detail}{s.fix !== undefined && <><br /><strong>{t('tester_fix')}</strong> {s.fix}</>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {report.payment !== undefined && (
            <dl aria-label={t('tester_stepPayment')}>
              <dt>{t('tester_sent')}</dt><dd data-testid="sent">{showAmount(report.payment.sent)}</dd>
              <dt>{t('tester_delivered')}</dt><dd data-testid="delivered">{showAmount(report.payment.delivered)}</dd>
              {report.payment.delivered !== null && <><dt>{t('tester_receiverAsset')}</dt><dd>{t('tester_assetScale', report.payment.delivered.code, report.payment.delivered.scale)}</dd></>}
              {report.payment.rate !== null && <><dt>{t('tester_rateSeen')}</dt><dd>{report.payment.rate}</dd></>}
            </dl>
          )}
          <div class="row">
            <button type="button" onClick={() => { void copy('text') }}>{t('tester_copyReport')}</button>
            <button type="button" onClick={() => { void copy('JSON') }}>{t('tester_copyJson')}</button>
            {copied !== null && <span role="status" class="muted">{copied === 'text' ? t('tester_copiedText') : t('tester_copiedJson')}</span>}
          </div>
          <pre class="report" role="region" aria-label={t('tester_reportText')}>{reportText(report)}</pre>
        </section>
      )}
    </>
  )
}
