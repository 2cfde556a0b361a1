/**
 * The popup: for the current tab, whether it is monetized, paying or paused, to whom, how much this
 * visit has sent, or why it is not paying. Refreshes every second while open.
 */
import { useEffect, useState } from 'preact/hooks'
import browser from 'webextension-polyfill'
import type { SettingsView } from '../shared/messages.ts'
import type { PayPhase, TabStatus, UplinkState } from '../shared/status.ts'
import { ask } from '../ui/api.ts'
import { showAmount } from '../ui/format.ts'

const PHASE_TEXT: Record<PayPhase, string> = {
  resolving: 'Looking up the receiver…',
  connecting: 'Connecting…',
  paying: 'Paying',
  paused: 'Paused',
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
  const [status, setStatus] = useState<TabStatus | null>(null)
  const [settings, setSettings] = useState<SettingsView | null>(null)
  const [error, setError] = useState<string | null>(null)

  useEffect(() => {
    let stopped = false
    const refresh = async (): Promise<void> => {
      const tabId = await currentTabId()
      const [s, view] = await Promise.all([
        tabId === null ? Promise.resolve(null) : ask('get-tab-status', { tabId }),
        ask('get-settings', null),
      ])
      if (stopped) return
      if (s !== null && !s.ok) setError(s.error)
      else if (!view.ok) setError(view.error)
      else {
        setError(null)
        setStatus(s?.value ?? { kind: 'unavailable' })
        setSettings(view.value)
      }
    }
    void refresh()
    const timer = setInterval(() => { void refresh() }, 1000)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [])

  return (
    <>
      <h1>Trickle</h1>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {status !== null && <TabSummary status={status} />}
      {settings !== null && <UplinkLine state={settings.uplinkState} rate={settings.ratePerHour} />}
      <p class="muted">
        <a href={browser.runtime.getURL('/src/options/index.html')} target="_blank" rel="noreferrer">Settings</a>
      </p>
    </>
  )
}

function TabSummary({ status }: { status: TabStatus }) {
  switch (status.kind) {
    case 'unavailable':
      return <section class="status" data-tone="wait" aria-label="This page"><strong>Not paying</strong><p class="muted">Trickle has not heard from this page: it is not a web page, or it has not loaded yet.</p></section>
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
          <strong data-phase={status.phase}>{PHASE_TEXT[status.phase]}</strong>
          {status.reason !== null && <p>{status.reason}</p>}
          <dl>
            <dt>{status.receivers === undefined ? 'Receiver' : 'Receivers'}</dt>
            <dd>{status.receiverHost}{status.receivers === undefined ? '' : ` and ${status.receivers - 1} more, sharing the rate`}</dd>
            <dt>Sent this visit</dt><dd data-testid="sent">{showAmount(status.sent)}</dd>
            {status.delivered !== null && <><dt>Received</dt><dd>{showAmount(status.delivered)}</dd></>}
          </dl>
        </section>
      )
    }
  }
}

function UplinkLine({ state, rate }: { state: UplinkState; rate: string }) {
  const text = state.state === 'not-configured' ? 'No uplink set up.'
    : state.state === 'connecting' ? `Uplink ${state.host}: connecting…`
    : state.state === 'connected' ? `Uplink ${state.host}: connected (${state.asset.code}), ${rate} ${state.asset.code}/hour`
    : `Uplink ${state.host}: failed. ${state.reason}`
  return <p class="muted" aria-label="Uplink">{text}</p>
}
