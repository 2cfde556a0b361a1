/** The extension pages' client for the worker: typed requests, Result replies checked at run time. */
import browser from 'webextension-polyfill'
import { isRecord } from '../shared/guards.ts'
import type { UiEnvelope, UiToBackground } from '../shared/messages.ts'
import { err, errorMessage, type Result } from '../shared/result.ts'

export async function ask<K extends keyof UiToBackground>(type: K, input: UiToBackground[K]['input']): Promise<Result<UiToBackground[K]['output']>> {
  const envelope = { to: 'trickle-worker', type, input } as UiEnvelope
  try {
    const reply: unknown = await browser.runtime.sendMessage(envelope)
    if (!isRecord(reply) || typeof reply.ok !== 'boolean') return err('Trickle\'s background worker did not answer.')
    if (reply.ok) return { ok: true, value: reply.value as UiToBackground[K]['output'] }
    return err(typeof reply.error === 'string' ? reply.error : 'Unknown error.')
  } catch (e) {
    return err(`Could not reach Trickle's background worker: ${errorMessage(e)}`)
  }
}
