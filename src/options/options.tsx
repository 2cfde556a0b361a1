/**
 * Settings: the uplink (the user's Interledger account) and the rate. The stored uplink is never shown
 * back, only its redacted form: its token stays in the worker and extension storage.
 */
import { useEffect, useState } from 'preact/hooks'
import type { SettingsView } from '../shared/messages.ts'
import type { UplinkState } from '../shared/status.ts'
import { ask } from '../ui/api.ts'

export function Options() {
  const [view, setView] = useState<SettingsView | null>(null)
  const [uplink, setUplink] = useState('')
  const [rate, setRate] = useState('')
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null)

  useEffect(() => {
    let stopped = false
    const load = async (first: boolean): Promise<void> => {
      const r = await ask('get-settings', null)
      if (stopped) return
      if (!r.ok) {
        setMessage({ error: true, text: r.error })
        return
      }
      setView(r.value)
      if (first) setRate(r.value.ratePerHour)
    }
    void load(true)
    const timer = setInterval(() => { void load(false) }, 1000)
    return () => {
      stopped = true
      clearInterval(timer)
    }
  }, [])

  const save = async (e: Event): Promise<void> => {
    e.preventDefault()
    const r = await ask('save-settings', { uplinkUrl: uplink.trim() === '' ? null : uplink, ratePerHour: rate })
    if (!r.ok) {
      setMessage({ error: true, text: r.error })
      return
    }
    setView(r.value)
    setUplink('')
    setMessage({ error: false, text: 'Saved.' })
  }

  const forget = async (): Promise<void> => {
    const r = await ask('forget-uplink', null)
    if (r.ok) setView(r.value)
    setMessage(r.ok ? { error: false, text: 'Uplink removed.' } : { error: true, text: r.error })
  }

  return (
    <>
      <h1>Trickle settings</h1>
      <form onSubmit={(e) => { void save(e) }}>
        <h2>Your Interledger account</h2>
        <p class="muted" aria-label="Current uplink">
          {view?.uplink === null || view === null ? 'No uplink set up yet.' : `Current uplink: ${view.uplink.display}`}
        </p>
        {view !== null && <UplinkStatus state={view.uplinkState} />}
        <label for="uplink">
          Uplink URL
          <p class="hint" id="uplink-hint">btp+wss://user:token@host — leave empty to keep the current one.</p>
        </label>
        <input id="uplink" type="password" autocomplete="off" spellcheck={false} aria-describedby="uplink-hint"
          value={uplink} onInput={(e) => setUplink(e.currentTarget.value)} />
        <label for="rate">
          Rate per hour
          <p class="hint" id="rate-hint">In your account's currency, for each hour a page is visible. Default 0.36.</p>
        </label>
        <input id="rate" type="text" inputMode="decimal" aria-describedby="rate-hint"
          value={rate} onInput={(e) => setRate(e.currentTarget.value)} />
        <div>
          <button type="submit">Save</button>{' '}
          {view?.uplink !== null && view !== null && <button type="button" onClick={() => { void forget() }}>Remove uplink</button>}
        </div>
        {message !== null && <p role={message.error ? 'alert' : 'status'} class={message.error ? 'error' : ''}>{message.text}</p>}
      </form>
    </>
  )
}

function UplinkStatus({ state }: { state: UplinkState }) {
  switch (state.state) {
    case 'not-configured': return null
    case 'connecting': return <p aria-label="Uplink status">Connecting to {state.host}…</p>
    case 'connected': return <p aria-label="Uplink status">Connected to {state.host}: {state.asset.code}, scale {state.asset.scale}, address {state.address}</p>
    case 'failed': return <p aria-label="Uplink status" class="error">Uplink failed: {state.reason}</p>
  }
}
