/**
 * The popup: for the current tab, whether it is monetized, paying or paused, to whom, how much this
 * visit has sent, or why it is not paying; the budget at a glance and this period's top sites; pause
 * this site, never pay it, or pause everything. Refreshes every second while open.
 */
import { useEffect, useState } from 'preact/hooks'
import browser from 'webextension-polyfill'
import { POPUP_PORT_NAME, type Overview, type RepairNotice, type SettingsView } from '../shared/messages.ts'
import type { AmountJson } from '../shared/money.ts'
import type { SiteSettings } from '../shared/settings.ts'
import type { PayPhase, TabStatus, UplinkState } from '../shared/status.ts'
import { ask, watchChanges } from '../ui/api.ts'
import { repairSummary, showAmount, siteLabel, testerUrl } from '../ui/format.ts'

const PHASE_TEXT: Record<PayPhase, string> = {
  resolving: 'Looking up the receiver…',
  connecting: 'Connecting…',
  paying: 'Paying',
  paused: 'Paused',
  limit: 'Stopped at your limit',
  retrying: 'Not paying right now',
  'no-uplink': 'Not paying: no account set up',
  failed: 'Not paying',
}

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
    if (!done.ok) setError(done.error ?? 'Failed.')
    if (tabId !== undefined) await refresh(tabId)
  }

  const o = overview
  const repairs = o?.repairs.filter((r) => r.at > dismissedUpTo) ?? []
  const dismiss = (): void => {
    const upTo = Math.max(...repairs.map((r) => r.at))
    setDismissedUpTo(upTo)
    void act(ask('ack-repairs', { upTo }))
  }
  return (
    <>
      <header class="row">
        <h1>Trickle</h1>
        {o !== null && (
          <button type="button" class="small" onClick={() => { void act(ask('set-paused', { paused: !o.paused })) }}>
            {o.paused ? 'Resume all' : 'Pause all'}
          </button>
        )}
      </header>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {repairs.length > 0 && <RepairsNotice repairs={repairs} onDismiss={dismiss} />}
      {o?.paused === true && <p class="status" data-tone="wait" role="status">Trickle is paused: no site is paid until you resume.</p>}
      {o?.status != null && <TabSummary status={o.status} />}
      {o !== null && o.site !== null && o.siteRules !== null && (
        <SiteControls site={o.site} rules={o.siteRules} spent={o.siteSpent} onChange={(rules) => { void act(ask('set-site', { site: o.site ?? '', rules })) }} />
      )}
      {o !== null && <BudgetView overview={o} />}
      {settings !== null && <UplinkLine state={settings.uplinkState} rate={settings.ratePerHour} readError={settings.readError} />}
      <p class="muted">
        <a href={browser.runtime.getURL('/src/options/index.html')} target="_blank" rel="noreferrer">Settings, sites and history</a>
        {tabId != null && <>{' · '}<a href={browser.runtime.getURL(`/src/events/index.html?tab=${tabId}`)} target="_blank" rel="noreferrer">Events on this page</a></>}
        {' · '}
        <a href={testerUrl(o?.status?.kind === 'monetized' || o?.status?.kind === 'invalid' ? o.status.input : null, (p) => browser.runtime.getURL(p))} target="_blank" rel="noreferrer">
          {o?.status?.kind === 'monetized' || o?.status?.kind === 'invalid' ? 'Test this page\'s pointer' : 'Test a payment pointer'}
        </a>
      </p>
    </>
  )
}

function SiteControls({ site, rules, spent, onChange }: { site: string; rules: SiteSettings; spent: AmountJson | null; onChange: (r: SiteSettings) => void }) {
  return (
    <section aria-label="This site">
      <p><strong>{siteLabel(site)}</strong>: {showAmount(spent)} this period{rules.cap !== null ? `, cap ${rules.cap}` : ''}</p>
      <div class="row">
        <button type="button" class="small" onClick={() => { onChange({ ...rules, paused: !rules.paused }) }}>
          {rules.paused ? 'Resume this site' : 'Pause this site'}
        </button>
        <button type="button" class="small" onClick={() => { onChange({ ...rules, never: !rules.never }) }}>
          {rules.never ? 'Pay this site again' : 'Never pay this site'}
        </button>
      </div>
    </section>
  )
}

const dateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })
const showDay = (day: string): string => dateFormat.format(new Date(`${day}T00:00:00Z`))

/** Parts per thousand of `part` in `whole`, computed on integers: for the progress bar only. */
const permille = (part: AmountJson | null, whole: AmountJson | null): number => {
  if (part === null || whole === null || BigInt(whole.value) === 0n) return part === null ? 0 : 1000
  const p = (BigInt(part.value) * 1000n) / BigInt(whole.value)
  return Number(p > 1000n ? 1000n : p)
}

function BudgetView({ overview }: { overview: Overview }) {
  const { budget, topSites, asset } = overview
  const used: AmountJson | null = budget.spent === null || budget.held === null ? null
    : { ...budget.spent, value: (BigInt(budget.spent.value) + BigInt(budget.held.value)).toString() }
  const fill = permille(used, budget.amount)
  const kind = budget.period.kind === 'weekly' ? 'this week' : 'this month'
  return (
    <section aria-label="Budget">
      <h2>Budget {kind}</h2>
      {asset === null
        ? <p class="muted">Known once your uplink has connected.</p>
        : (
          <>
            <p data-testid="budget-line">{showAmount(budget.spent)} spent of {showAmount(budget.amount)}; {showAmount(budget.remaining)} left</p>
            <progress max={1000} value={fill} aria-label={`${fill / 10}% of the budget used`} />
            {budget.remaining !== null && BigInt(budget.remaining.value) === 0n && <p class="error" role="status">Budget used up: nothing more is paid until it renews or you raise it.</p>}
          </>
        )}
      <p class="muted">Renews on {showDay(budget.period.end)}.</p>
      {topSites.length > 0 && (
        <>
          <h2>Top sites {kind}</h2>
          <ol class="sites" aria-label="Top sites">
            {topSites.map((t) => <li key={t.site}><span>{siteLabel(t.site)}</span> <span>{showAmount(t.sent)}</span></li>)}
          </ol>
        </>
      )}
    </section>
  )
}

function TabSummary({ status }: { status: TabStatus }) {
  switch (status.kind) {
    case 'unavailable':
      return <section class="status" data-tone="wait" aria-label="This page"><strong>Not paying</strong><p class="muted">Trickle has not heard from this page: it is not a web page, or it has not loaded yet.</p></section>
    case 'never':
      return <section class="status" aria-label="This page"><strong>Never paid</strong><p class="muted">You chose never to pay this site.</p></section>
    case 'not-monetized':
      return <section class="status" aria-label="This page"><strong>Not monetized</strong><p class="muted">This page has no monetization tag, so Trickle pays nothing here.</p></section>
    case 'invalid':
      return (
        <section class="status" data-tone="bad" aria-label="This page">
          <strong>Not paying: the page's payment pointer is invalid</strong>
          <p>{status.reason}</p>
          <p class="muted">The page asked to pay <code>{status.input}</code>.</p>
        </section>
      )
    case 'monetized': {
      const tone = status.phase === 'paying' ? 'ok' : status.phase === 'failed' || status.phase === 'no-uplink' ? 'bad' : 'wait'
      return (
        <section class="status" data-tone={tone} aria-label="This page">
          <strong data-phase={status.phase}>{status.simulated === true ? `Simulation (no money moves): ${PHASE_TEXT[status.phase].toLowerCase()}` : PHASE_TEXT[status.phase]}</strong>
          {status.reason !== null && <p>{status.reason}</p>}
          <dl>
            <dt>{status.receivers === undefined ? 'Receiver' : 'Receivers'}</dt>
            <dd>{status.receiverHost}{status.receivers === undefined ? '' : ` and ${status.receivers - 1} more, sharing the rate`}</dd>
            {/* With several receivers both figures are their totals, and say so: never the tab's sum beside one receiver's share. */}
            <dt>Sent this visit{status.receivers === undefined ? '' : ` (all ${status.receivers} receivers)`}</dt><dd data-testid="sent">{showAmount(status.sent)}</dd>
            {status.delivered !== null && <><dt>Received{status.receivers === undefined ? '' : ` (all ${status.receivers} receivers)`}</dt><dd>{showAmount(status.delivered)}</dd></>}
          </dl>
        </section>
      )
    }
  }
}

/** Told once: dismissing acknowledges these repairs in the worker, and they are not listed again. */
function RepairsNotice({ repairs, onDismiss }: { repairs: readonly RepairNotice[]; onDismiss: () => void }) {
  return (
    <section class="status" data-tone="wait" role="status" aria-label="Repairs">
      <p>{repairSummary(repairs)}</p>
      <details>
        <summary>Details</summary>
        <ul>{repairs.map((r, i) => <li key={`${r.at}-${i}`}>{r.reason}</li>)}</ul>
      </details>
      <button type="button" class="small" onClick={onDismiss}>Dismiss</button>
    </section>
  )
}

function UplinkLine({ state, rate, readError }: { state: UplinkState; rate: string; readError: string | null }) {
  // Settings that could not be read say nothing about whether an uplink is set up.
  if (readError !== null && state.state === 'not-configured') return <p class="error" role="alert" aria-label="Uplink">{readError}</p>
  const text = state.state === 'not-configured' ? 'No uplink set up.'
    : state.state === 'connecting' ? `Uplink ${state.host}: connecting…`
    : state.state === 'connected' ? `Uplink ${state.host}: connected (${state.asset.code}), ${rate} ${state.asset.code}/hour`
    : `Uplink ${state.host}: failed. ${state.reason}`
  return <p class="muted" aria-label="Uplink">{text}</p>
}
