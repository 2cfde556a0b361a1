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

const STEP_NAMES: Record<string, string> = {
  syntax: 'Syntax', url: 'Resolved URL', http: 'HTTP', headers: 'Headers', json: 'JSON',
  destination_account: 'destination_account', shared_secret: 'shared_secret', stream: 'STREAM connection', payment: 'Test payment',
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
      <h1>Test a payment pointer</h1>
      <p class="muted">Checks every step between a monetization tag and money arriving, and says what to fix.</p>
      <form onSubmit={(e) => { void run(e) }}>
        <label for="pointer">Payment pointer or SPSP URL<p class="hint">$wallet.example/alice or https://wallet.example/alice</p></label>
        <input id="pointer" type="text" spellcheck={false} value={pointer} onInput={(e) => setPointer(e.currentTarget.value)} />
        <label><input type="checkbox" checked={pay} onChange={(e) => setPay(e.currentTarget.checked)} /> Send a test payment through my uplink</label>
        {pay && (
          <>
            <label for="amount">Test amount<p class="hint">In your account's currency. Empty: one second at your rate. Counted in your budget and history.</p></label>
            <input id="amount" type="text" inputMode="decimal" value={amount} onInput={(e) => setAmount(e.currentTarget.value)} />
          </>
        )}
        <button type="submit" disabled={busy}>{busy ? 'Testing…' : 'Test'}</button>
      </form>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {report !== null && (
        <section aria-label="Report">
          <p class="status" data-tone={report.ok ? 'ok' : 'bad'} role="status">
            <strong>{report.ok ? 'Payable' : `Not payable: fails at ${STEP_NAMES[report.failed ?? ''] ?? report.failed ?? ''}`}</strong>
          </p>
          <table>
            <thead><tr><th>Step</th><th>Result</th><th>Time</th><th>Details</th></tr></thead>
            <tbody>
              {report.steps.map((s) => (
                <tr key={s.step} data-step={s.step} data-ok={String(s.ok)}>
                  <td>{STEP_NAMES[s.step] ?? s.step}</td>
                  <td>{s.ok === null ? '—' : s.ok ? 'ok' : 'failed'}</td>
                  <td>{s.ms} ms</td>
                  <td>{s.detail}{s.fix !== undefined && <><br /><strong>Fix:</strong> {s.fix}</>}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {report.payment !== undefined && (
            <dl aria-label="Test payment">
              <dt>Sent</dt><dd data-testid="sent">{showAmount(report.payment.sent)}</dd>
              <dt>Delivered</dt><dd data-testid="delivered">{showAmount(report.payment.delivered)}</dd>
              {report.payment.delivered !== null && <><dt>Receiver's asset</dt><dd>{report.payment.delivered.code}, scale {report.payment.delivered.scale}</dd></>}
              {report.payment.rate !== null && <><dt>Exchange rate seen</dt><dd>{report.payment.rate}</dd></>}
            </dl>
          )}
          <div class="row">
            <button type="button" onClick={() => { void copy('text') }}>Copy report</button>
            <button type="button" onClick={() => { void copy('JSON') }}>Copy as JSON</button>
            {copied !== null && <span role="status" class="muted">Copied as {copied}.</span>}
          </div>
          <pre class="report" aria-label="Report text">{reportText(report)}</pre>
        </section>
      )}
    </>
  )
}
