/**
 * The event view for site owners: for one tab (`?tab=<id>`), the monetization tags found and what
 * became of each (paid, ignored, refused, and why), the frames allowed or refused, and the events the
 * page received, live, with their fields. Copyable as JSON.
 */
import { useEffect, useState } from 'preact/hooks'
import type { TabEventsView } from '../shared/messages.ts'
import { ask, watchChanges } from '../ui/api.ts'
import { t, uiLocale } from '../shared/i18n.ts'

const time = new Intl.DateTimeFormat(uiLocale(), { hour: '2-digit', minute: '2-digit', second: '2-digit', fractionalSecondDigits: 3 })

/** A tag's verdict for people (the `data-verdict` attribute keeps the protocol's word). */
const verdictText = (v: TabEventsView['tags'][number]['verdict']): string =>
  v === 'paid' ? t('events_verdictPaid') : v === 'ignored' ? t('events_verdictIgnored') : t('events_verdictRefused')

export function EventView() {
  const tabId = Number(new URLSearchParams(location.search).get('tab'))
  const [view, setView] = useState<TabEventsView | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [copied, setCopied] = useState(false)

  useEffect(() => {
    if (!Number.isSafeInteger(tabId) || tabId <= 0) {
      setError(t('events_openFromPopup'))
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
      <h1>{t('events_title')}</h1>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {view !== null && (
        <>
          <h2>{t('events_tags')}</h2>
          {view.tags.length === 0 ? <p class="muted">{t('events_noTag')}</p> : (
            <table aria-label={t('events_tags')}>
              <thead><tr><th>{t('events_frame')}</th><th>{t('events_tag')}</th><th>{t('events_verdict')}</th><th>{t('events_why')}</th></tr></thead>
              <tbody>
                {view.tags.map((tag, i) => (
                  <tr key={i} data-verdict={tag.verdict}>
                    <td>{tag.frameId}</td><td><code>{tag.kind === 'link' ? `<link href="${tag.value}">` : `<meta content="${tag.value}">`}</code></td>
                    <td>{verdictText(tag.verdict)}</td><td>{tag.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <h2>{t('events_frames')}</h2>
          <table aria-label={t('events_frames')}>
            <thead><tr><th>{t('events_frame')}</th><th>{t('events_origin')}</th><th>{t('events_monetized')}</th><th>{t('events_why')}</th></tr></thead>
            <tbody>
              {view.frames.map((f) => (
                <tr key={f.frameId}><td>{f.frameId}</td><td>{f.origin}</td><td>{f.allowed ? t('events_allowed') : t('events_refused')}</td><td>{f.reason}</td></tr>
              ))}
            </tbody>
          </table>
          <h2>{t('events_received')}</h2>
          {view.events.length === 0 ? <p class="muted">{t('events_noneYet')}</p> : (
            <table aria-label={t('events_events')}>
              <thead><tr><th>{t('events_time')}</th><th>{t('events_frame')}</th><th>{t('events_event')}</th><th>{t('events_fields')}</th></tr></thead>
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
            <button type="button" onClick={() => { void copy() }}>{t('events_copyJson')}</button>
            {copied && <span role="status" class="muted">{t('events_copied')}</span>}
          </div>
        </>
      )}
    </>
  )
}
