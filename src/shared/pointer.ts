/**
 * Payment pointers (RFC 0026) and raw SPSP URLs: the only way a string from a page becomes a URL Trickle
 * will ever query. Anything outside the profile is refused with a reason a person can read, before any
 * network request is made.
 */
import { t } from './i18n.ts'
import { err, ok, type Result } from './result.ts'

export interface PaymentTarget {
  /** The SPSP endpoint to query. */
  url: string
  /** The host shown to the user as "who is paid" (the originally resolved host, RFC 0026 §Redirects). */
  host: string
  /** What the page wrote, trimmed: shown back to site owners. */
  input: string
  kind: 'pointer' | 'url'
}

export type PointerProblem =
  | 'empty' | 'too-long' | 'not-ascii' | 'whitespace' | 'bad-syntax' | 'userinfo' | 'port'
  | 'query' | 'fragment' | 'bad-host' | 'insecure' | 'scheme'

/** Why a pointer cannot be paid, in words for people (in the browser's language). */
export function describePointerProblem(p: PointerProblem): string {
  switch (p) {
    case 'empty': return t('worker_pointerEmpty')
    case 'too-long': return t('worker_pointerTooLong', MAX_LENGTH)
    case 'not-ascii': return t('worker_pointerNotAscii')
    case 'whitespace': return t('worker_pointerWhitespace')
    case 'bad-syntax': return t('worker_pointerSyntax')
    case 'userinfo': return t('worker_pointerUserinfo')
    case 'port': return t('worker_pointerPort')
    case 'query': return t('worker_pointerQuery')
    case 'fragment': return t('worker_pointerFragment')
    case 'bad-host': return t('worker_pointerHost')
    case 'insecure': return t('worker_pointerInsecure')
    case 'scheme': return t('worker_pointerScheme')
  }
}

const MAX_LENGTH = 2048
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]'])
// RFC 3986 reg-name characters (unreserved / pct-encoded / sub-delims), or an IP literal.
const HOST = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$|^\[[0-9A-Fa-f:.]+\]$/
const PATH = /^(?:\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)*$/

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname)
}

/** Resolves `$host/path` or an `https://` SPSP URL to the endpoint to query. */
export function resolvePaymentTarget(raw: string): Result<PaymentTarget, PointerProblem> {
  const input = raw.trim()
  if (input === '') return err('empty')
  if (input.length > MAX_LENGTH) return err('too-long')
  if (!/^[\x20-\x7e]*$/.test(input)) return err('not-ascii')
  if (/\s/.test(input)) return err('whitespace')
  return input.startsWith('$') ? resolvePointer(input) : resolveUrl(input)
}

function resolvePointer(input: string): Result<PaymentTarget, PointerProblem> {
  // Check the raw text, not a parsed URL: URL() silently drops a default port or an empty "?" or "#".
  const rest = input.slice(1)
  if (rest.includes('#')) return err('fragment')
  if (rest.includes('?')) return err('query')
  const slash = rest.indexOf('/')
  const authority = slash === -1 ? rest : rest.slice(0, slash)
  const path = slash === -1 ? '' : rest.slice(slash)
  if (authority.includes('@')) return err('userinfo')
  if (/:\d*$/.test(authority) && !authority.endsWith(']')) return err('port')
  if (authority === '' || !HOST.test(authority)) return err('bad-host')
  if (!PATH.test(path)) return err('bad-syntax')
  let url: URL
  try {
    url = new URL(`https://${authority}${path === '' || path === '/' ? '/.well-known/pay' : path}`)
  } catch {
    return err('bad-host')
  }
  return ok({ url: url.href, host: url.host, input, kind: 'pointer' })
}

function resolveUrl(input: string): Result<PaymentTarget, PointerProblem> {
  let url: URL
  try {
    url = new URL(input)
  } catch {
    return err('bad-syntax')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return err('scheme')
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return err('insecure')
  if (url.username !== '' || url.password !== '') return err('userinfo')
  if (url.hostname === '') return err('bad-host')
  url.hash = ''
  return ok({ url: url.href, host: url.host, input, kind: 'url' })
}
