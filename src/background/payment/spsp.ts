/**
 * SPSP (RFC 0009): ask a receiver where and how to send. Every answer is validated before anything is
 * paid; every failure names the step that failed, in words a person can act on.
 */
import { t } from '../../shared/i18n.ts'
import { readCapped } from './read-capped.ts'
import { isLoopbackHost } from '../../shared/pointer.ts'
import { err, errorMessage, ok, type Result } from '../../shared/result.ts'

export type SpspStep =
  | 'network' | 'timeout' | 'redirect' | 'status' | 'content-type' | 'size' | 'json'
  | 'destination_account' | 'shared_secret'

export interface SpspFailure {
  step: SpspStep
  message: string
  status?: number
  /** False when retrying cannot help (the receiver refused): Trickle stops paying it. */
  retryable: boolean
}

export interface SpspAnswer {
  destinationAccount: string
  sharedSecret: Uint8Array
  /** Where the answer came from after redirects. */
  finalUrl: string
  status: number
  contentType: string
  cacheControl: string | null
}

export interface SpspOptions {
  fetch?: typeof fetch
  timeoutMs?: number
  maxBytes?: number
  signal?: AbortSignal
  /** Why the page must not have Trickle follow a redirect to this URL, or null (address space, CSP). */
  checkHop?(url: string): string | null
  /** Where the opaque redirect of the request for `url` sent at `sentAt` pointed, or null if unknown. */
  redirectTarget?(url: string, sentAt: number): Promise<string | null>
}

export const SPSP_ACCEPT = 'application/spsp4+json, application/spsp+json'
export const SPSP_TIMEOUT_MS = 10_000
/** Real answers are ~200 bytes; 64 KiB leaves room for unknown fields and nothing for abuse. */
export const SPSP_MAX_BYTES = 64 * 1024
export const MAX_REDIRECTS = 5

// RFC 0015 ILP address.
const ILP_ADDRESS = /(?=^.{1,1023}$)^(g|private|example|peer|self|test[1-3]?|local)([.][a-zA-Z0-9_~-]+)+$/

const fail = (step: SpspStep, message: string, retryable: boolean, status?: number): { ok: false; error: SpspFailure } =>
  err(status === undefined ? { step, message, retryable } : { step, message, retryable, status })

export async function querySpsp(url: string, opts: SpspOptions = {}): Promise<Result<SpspAnswer, SpspFailure>> {
  const doFetch = opts.fetch ?? globalThis.fetch.bind(globalThis)
  const timeoutMs = opts.timeoutMs ?? SPSP_TIMEOUT_MS
  const maxBytes = opts.maxBytes ?? SPSP_MAX_BYTES
  const timeout = new AbortController()
  const timer = setTimeout(() => timeout.abort(), timeoutMs)
  const signal = opts.signal === undefined ? timeout.signal : AbortSignal.any([timeout.signal, opts.signal])
  try {
    const init: RequestInit = {
      method: 'GET',
      headers: { Accept: SPSP_ACCEPT },
      // WM forbids cookies and session state on this query; the page's URL is nobody's business.
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      cache: 'no-store',
      signal,
    }
    let response: Response
    let current = url
    try {
      // Redirects are followed one hop at a time, each target checked before it is requested. A
      // browser hides a manual redirect's Location ('opaqueredirect'); there the worker learns it from
      // webRequest (`redirectTarget`), and a hop it cannot learn is not followed.
      for (let hop = 0; ; hop++) {
        const sentAt = Date.now()
        response = await doFetch(current, { ...init, redirect: 'manual' })
        let location: string | null
        if (response.type === 'opaqueredirect') {
          location = opts.redirectTarget === undefined ? null : await opts.redirectTarget(current, sentAt)
          if (location === null) return fail('redirect', t('worker_spspRedirectHidden'), false)
        } else {
          location = response.headers.get('location')
          if (response.status < 300 || response.status >= 400 || location === null) break
          await response.body?.cancel().catch(() => undefined)
        }
        if (hop >= MAX_REDIRECTS) return fail('redirect', t('worker_spspRedirectTooMany', MAX_REDIRECTS), false)
        let next: string
        try {
          // The fragment is not part of what is requested (nor of what webRequest reports).
          const target = new URL(location, current)
          target.hash = ''
          next = target.href
        } catch {
          return fail('redirect', t('worker_spspRedirectInvalid'), false)
        }
        const problem = checkUrl(next) ?? opts.checkHop?.(next) ?? null
        if (problem !== null) return fail('redirect', problem, false)
        current = next
      }
    } catch (e) {
      if (timeout.signal.aborted) return fail('timeout', t('worker_spspTimeout', timeoutMs / 1000), true)
      if (opts.signal?.aborted === true) return fail('network', t('worker_cancelled'), false)
      return fail('network', t('worker_spspNetwork', errorMessage(e)), true)
    }

    const finalUrl = response.url === '' ? current : response.url
    const redirectProblem = checkUrl(finalUrl)
    if (redirectProblem !== null) return fail('redirect', redirectProblem, false)

    if (!response.ok) {
      // A 4xx means the receiver does not want this payment: stop. 408 and 429 mean "not now".
      const refused = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429
      return fail('status', refused ? t('worker_spspRefused', response.status) : t('worker_spspStatus', response.status), !refused, response.status)
    }

    const contentType = response.headers.get('content-type') ?? ''
    if (!/^application\/spsp4\+json\s*(;|$)/i.test(contentType)) {
      await response.body?.cancel().catch(() => undefined)
      return fail('content-type', contentType === '' ? t('worker_spspNoContentType') : t('worker_spspContentType', contentType), true, response.status)
    }

    const read = await readCapped(response, maxBytes)
    const body = read.problem === null ? { problem: null, text: new TextDecoder().decode(read.bytes) } : read
    if (body.problem === 'too-large') return fail('size', t('worker_spspTooLarge', maxBytes), true, response.status)
    if (body.problem !== null) return fail('timeout', t('worker_spspSlowBody', timeoutMs / 1000), true, response.status)

    let json: unknown
    try {
      json = JSON.parse(body.text)
    } catch {
      return fail('json', t('worker_spspNotJson'), true, response.status)
    }
    if (typeof json !== 'object' || json === null || Array.isArray(json)) {
      return fail('json', t('worker_spspNotObject'), true, response.status)
    }
    const fields = json as Record<string, unknown>
    const destination = fields.destination_account
    if (typeof destination !== 'string' || !ILP_ADDRESS.test(destination)) {
      return fail('destination_account', typeof destination === 'string'
        ? t('worker_spspBadDestination')
        : t('worker_spspNoDestination'), true, response.status)
    }
    const secretText = fields.shared_secret
    const secret = typeof secretText === 'string' ? decodeSharedSecret(secretText) : null
    if (secret === null) {
      return fail('shared_secret', typeof secretText === 'string'
        ? t('worker_spspBadSecret')
        : t('worker_spspNoSecret'), true, response.status)
    }
    return ok({
      destinationAccount: destination,
      sharedSecret: secret,
      finalUrl,
      status: response.status,
      contentType,
      cacheControl: response.headers.get('cache-control'),
    })
  } finally {
    clearTimeout(timer)
  }
}

/** Every hop of a redirect must still be https (or http on this machine). */
function checkUrl(next: string): string | null {
  const url = new URL(next)
  if (url.protocol === 'https:') return null
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return null
  return t('worker_spspRedirectInsecure', `${url.protocol}//${url.host}`)
}

/**
 * Decodes a shared secret written in base64 or base64url, padded or not (Rafiki sends base64url without
 * padding). Returns null unless it is well-formed and exactly 32 bytes.
 */
export function decodeSharedSecret(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return null
  const body = text.replace(/=+$/, '')
  if (body.length !== text.length && text.length % 4 !== 0) return null // padding present but wrong
  if (body.length % 4 === 1) return null
  const standard = body.replace(/-/g, '+').replace(/_/g, '/')
  let binary: string
  try {
    binary = atob(standard + '='.repeat((4 - (standard.length % 4)) % 4))
  } catch {
    return null
  }
  if (binary.length !== 32) return null
  return Uint8Array.from(binary, (c) => c.charCodeAt(0))
}
