/**
 * The event view for site owners: for one tab (`?tab=<id>`), the monetization tags found and what
 * became of each (paid, ignored, refused, and why), the frames allowed or refused, and the events the
 * page received, live, with their fields. Copyable as JSON.
 */
import { useEffect, useState } from 'preact/hooks'
import type { TabEventsView } from '../shared/messages.ts'
import { ask, watchChanges } from '../ui/api.ts'

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3 })

export function EventView() {
  const tabId = Number(new URLSearchParams(location.search).get('tab'))
  const [view, setView] = useState<TabEventsView | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [copied, setCopied] = useState(false)

  useEffect(() => {
    if (!Number.isSafeInteger(tabId) || tabId <= 0) {
      setError('Open this view from Trickle\'s popup on a web page.')
      return
    }
    let stopped = false
    const load = async (): Promise<void> => {
      const r = await ask('get-tab-events', { tabId })
      if (stopped) return
      if (r.ok) setView(r.value)
      else setError(r.error)
    }
    void load()
    const unwatch = watchChanges(() => { void load() })
    return () => {
      stopped = true
      unwatch()
    }
  }, [tabId])

  const copy = async (): Promise<void> => {
    if (view === null) return
    await navigator.clipboard.writeText(JSON.stringify(view, null, 2)).catch(() => undefined)
    setCopied(true)
  }

  return (
    <>
      <h1>Monetization on this page</h1>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {view !== null && (
        <>
          <h2>Tags</h2>
          {view.tags.length === 0 ? <p class="muted">No monetization tag found.</p> : (
            <table aria-label="Tags">
              <thead><tr><th>Frame</th><th>Tag</th><th>Verdict</th><th>Why</th></tr></thead>
              <tbody>
                {view.tags.map((t, i) => (
                  <tr key={i} data-verdict={t.verdict}>
                    <td>{t.frameId}</td><td><code>{t.kind === 'link' ? `<link href="${t.value}">` : `<meta content="${t.value}">`}</code></td>
                    <td>{t.verdict}</td><td>{t.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>Frames</h2>
          <table aria-label="Frames">
            <thead><tr><th>Frame</th><th>Origin</th><th>Monetized</th><th>Why</th></tr></thead>
            <tbody>
              {view.frames.map((f) => (
                <tr key={f.frameId}><td>{f.frameId}</td><td>{f.origin}</td><td>{f.allowed ? 'allowed' : 'refused'}</td><td>{f.reason}</td></tr>
              ))}
            </tbody>
          </table>
          <h2>Events the page received</h2>
          {view.events.length === 0 ? <p class="muted">None yet.</p> : (
            <table aria-label="Events">
              <thead><tr><th>Time</th><th>Frame</th><th>Event</th><th>Fields</th></tr></thead>
              <tbody>
                {view.events.map((e, i) => (
                  <tr key={i} data-type={e.type}>
                    <td>{time.format(e.at)}</td><td>{e.frameId}</td><td>{e.type}</td>
                    <td><code>{Object.entries(e.fields).map(([k, v]) => `${k}=${String(v)}`).join(' ')}</code></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div class="row">
            <button type="button" onClick={() => { void copy() }}>Copy as JSON</button>
            {copied && <span role="status" class="muted">Copied.</span>}
          </div>
        </>
      )}
    </>
  )
}
