/** The extension pages' client for the worker: typed requests, Result replies checked at run time. */
import browser, { type Runtime } from 'webextension-polyfill'
import { isRecord, type Guard } from '../shared/guards.ts'
import { t } from '../shared/i18n.ts'
import { isChangedNotice, PAGE_WATCH_PORT_NAME, type UiEnvelope, type UiOutputs, type UiToBackground } from '../shared/messages.ts'
import { err, errorMessage, ok, type Result } from '../shared/result.ts'
import { uiOutputGuards } from '../shared/ui-outputs.ts'

/** The reply guards, seen through the type that ties each to its message's output. */
const replyGuards: { [K in keyof UiOutputs]: Guard<UiOutputs[K]> } = uiOutputGuards

/**
 * Sends one request and checks the worker's reply with its message's guard: a reply of the wrong
 * shape becomes an error the page shows, never a value it misreads.
 */
export async function ask<K extends keyof UiToBackground>(type: K, input: UiToBackground[K]['input']): Promise<Result<UiToBackground[K]['output']>> {
  const envelope = { to: 'trickle-worker', type, input } as UiEnvelope
  try {
    const reply: unknown = await browser.runtime.sendMessage(envelope)
    if (!isRecord(reply) || typeof reply.ok !== 'boolean') return err(t('common_workerNoAnswer'))
    if (reply.ok) {
      const value = reply.value
      return replyGuards[type](value) ? ok(value) : err(t('common_unreadableReply', type))
    }
    return err(typeof reply.error === 'string' ? reply.error : t('common_unknownError'))
  } catch (e) {
    return err(t('common_workerUnreachable', errorMessage(e)))
  }
}

/** How long a page waits before reconnecting to a worker that stopped (each reconnect wakes it). */
const RECONNECT_MS = 1000

/**
 * Calls `onChange` whenever the worker says what this page shows may have changed, over a port held
 * while the page is open (the popup's own port, or the watch port). When the worker stops, the page
 * reconnects a second later and asks again. Returns the function that stops watching.
 */
export function watchChanges(onChange: () => void, name: string = PAGE_WATCH_PORT_NAME): () => void {
  let stopped = false
  let port: Runtime.Port | null = null
  let timer: ReturnType<typeof setTimeout> | undefined
  const open = (): void => {
    if (stopped) return
    port = browser.runtime.connect({ name })
    port.onMessage.addListener((m: unknown) => { if (isChangedNotice(m)) onChange() })
    port.onDisconnect.addListener(() => {
      port = null
      timer = setTimeout(() => {
        open()
        onChange()
      }, RECONNECT_MS)
    })
  }
  open()
  return () => {
    stopped = true
    clearTimeout(timer)
    port?.disconnect()
  }
}
