/**
 * Requests from Trickle's own pages (popup, options). The sender must be one of those pages; the
 * envelope must pass its guard; the reply is a Result, with errors as readable messages.
 */
import type { Runtime } from 'webextension-polyfill'
import { isUiEnvelope, type SettingsView, type UiEnvelope, type UiToBackground } from '../shared/messages.ts'
import { err, errorMessage, ok, type Result } from '../shared/result.ts'
import { toPublic, validateRate, validateUplink, type Settings } from '../shared/settings.ts'
import type { Monetizer } from './monetizer.ts'
import type { SettingsStore } from './settings-store.ts'
import type { Uplink } from './uplink.ts'

/** The extension pages allowed to talk to the worker, as paths inside the extension. */
export const UI_PAGES = ['/src/popup/index.html', '/src/options/index.html'] as const

/** `scheme://host` of a URL. Not URL.origin: that is "null" for non-special schemes (chrome-extension:) outside the browser. */
export const schemeAndHost = (url: URL): string => `${url.protocol}//${url.host}`

type Handlers = { [K in keyof UiToBackground]: (input: UiToBackground[K]['input']) => Promise<UiToBackground[K]['output']> }

class UserError extends Error {}

export function createUiHandler(deps: {
  extensionId: string
  extensionOrigin: string
  settings: SettingsStore
  uplink: Uplink
  monetizer: Monetizer
  ready: Promise<void>
}) {
  const view = (): SettingsView => ({ ...toPublic(deps.settings.current), uplinkState: deps.uplink.state })

  async function apply(next: Settings): Promise<void> {
    const before = deps.settings.current
    await deps.settings.save(next)
    if (before.uplinkUrl !== next.uplinkUrl) {
      deps.uplink.configure(next.uplinkUrl)
      deps.monetizer.uplinkChanged()
      void deps.uplink.probe()
    }
    if (before.ratePerHour !== next.ratePerHour) deps.monetizer.rateChanged()
  }

  const handlers: Handlers = {
    'get-tab-status': async ({ tabId }) => deps.monetizer.status(tabId),
    'get-settings': async () => view(),
    'save-settings': async ({ uplinkUrl, ratePerHour }) => {
      const rate = validateRate(ratePerHour)
      if (!rate.ok) throw new UserError(rate.error)
      let url = deps.settings.current.uplinkUrl
      if (uplinkUrl !== null) {
        const uplink = validateUplink(uplinkUrl)
        if (!uplink.ok) throw new UserError(uplink.error)
        url = uplink.value.url
      }
      await apply({ ...deps.settings.current, uplinkUrl: url, ratePerHour: rate.value })
      return view()
    },
    'forget-uplink': async () => {
      await apply({ ...deps.settings.current, uplinkUrl: null })
      return view()
    },
  }

  function fromOwnPage(sender: Runtime.MessageSender): boolean {
    if (sender.id !== deps.extensionId || sender.url === undefined) return false
    try {
      const url = new URL(sender.url)
      return schemeAndHost(url) === deps.extensionOrigin && (UI_PAGES as readonly string[]).includes(url.pathname)
    } catch {
      return false
    }
  }

  async function dispatch(envelope: UiEnvelope): Promise<Result<unknown>> {
    await deps.ready
    try {
      const handler = handlers[envelope.type] as (input: unknown) => Promise<unknown>
      return ok(await handler(envelope.input))
    } catch (e) {
      return err(e instanceof UserError ? e.message : `Trickle hit an internal error: ${errorMessage(e)}`)
    }
  }

  /** runtime.onMessage listener: answers only Trickle's pages, and only well-formed requests. */
  return (message: unknown, sender: Runtime.MessageSender): Promise<Result<unknown>> | undefined => {
    if (!isUiEnvelope(message)) return undefined
    if (!fromOwnPage(sender)) return Promise.resolve(err('Refused: this request did not come from a Trickle page.'))
    return dispatch(message)
  }
}
