/**
 * The uplink over ILP-over-HTTP (RFC 0035): each Prepare is the body of a POST to the peer's endpoint
 * with a bearer token, and the Fulfill or Reject is the response body. A client of our own, on `fetch`
 * (it must run in an MV3 service worker; the browser pools and reuses the connection, so there is no
 * handshake per packet).
 *
 * Money safety. A Prepare is sent again only when the peer certainly did not act on it: a 429 ("not
 * now"), after the wait it asks for, and only while the Prepare has time left (a 503 may come from a
 * proxy that had already forwarded it: not retried). Any other failure after the request may have reached the peer (another 5xx, a network
 * error, a timeout, a body that is no ILP reply) is not retried and **throws**: the packet guard counts
 * a Prepare whose reply is lost as possibly sent (packet-guard.ts), exactly as for a BTP socket that
 * died with a Prepare in flight. A 4xx means the peer did not take the packet: it gets an ILP Reject
 * (nothing moved) and the link drops itself, so the visit reconnects and the uplink's state says why
 * (the token, the endpoint, the status).
 *
 * Send-only: the peer cannot send us packets (there is no server here), so data handlers are kept but
 * never called. Trickle only pays, and STREAM's replies come back in the Fulfill or Reject data.
 *
 * ILDCP: `connect()` asks the peer (`peer.config`) once; where the peer does not answer it, the
 * address and asset the user entered stand in. STREAM's own ILDCP query is answered from that.
 */
import { t } from '../../shared/i18n.ts'
import { readCapped, type CappedBody } from './read-capped.ts'
import { isMoneylessIldcpQuery } from './fresh-address.ts'
import { Buffer } from 'buffer'
import { deserializeIlpFulfill, deserializeIlpPrepare, deserializeIlpReject, serializeIlpReject, Type } from 'ilp-packet'
import { fetch as ildcpFetch, serializeIldcpResponse } from 'ilp-protocol-ildcp'
import type { Plugin } from 'ilp-protocol-stream/dist/src/util/plugin-interface'
import type { HttpUplinkConfig } from '../../shared/settings.ts'
import { isIlpAddress } from '../../shared/settings.ts'

/** No single request waits longer than this, whatever the Prepare's expiry says. */
export const MAX_REQUEST_MS = 30_000
/** A retry is sent only if the Prepare still has at least this long to live afterwards. */
const RETRY_HEADROOM_MS = 1000
/** At most this many sends of one Prepare (the first and the retries a 429 allows). */
export const MAX_SENDS = 5
/** Back-off after a 429 without Retry-After: 200 ms, doubling, at most 2 s. */
const BACKOFF_MS = [200, 400, 800, 1600, 2000]
/** ILP packets are at most 32767 bytes of data plus their envelope. */
const MAX_REPLY_BYTES = 40_000

export interface HttpLinkDeps {
  fetch: typeof fetch
  now?: () => number
  /** Tests shorten the per-request cap. */
  maxRequestMs?: number
}

/**
 * What went wrong on the link, never with the token in it. `ambiguous`: the peer may have acted on the
 * Prepare (its money may have moved); `refused`: the peer said no to us (4xx: token, endpoint, status).
 */
export class HttpLinkError extends Error {
  override name = 'HttpLinkError'
  constructor(message: string, readonly kind: 'ambiguous' | 'refused' | 'no-account') { super(message) }
}

export class HttpLink implements Plugin {
  /** The ILDCP answer STREAM is given (the peer's, or the one made from what the user entered). */
  private ildcpReply: Buffer | null = null
  private connected = false
  /** disconnect() was called: nothing more is sent, a retry's wait ends. */
  private closed = false
  /** Why the link dropped itself (a 4xx while sending): the next connect() will say it again. */
  dropped: string | null = null
  /** Where the account came from, once connected. */
  accountSource: 'peer' | 'entered' | null = null
  /** Requests and retry waits under way: disconnect() aborts them. */
  private readonly requests = new Set<AbortController>()
  /** A response whose body is still to be read, with the timer and controller of its request. */
  private readonly pending = new Map<Response, { timer: ReturnType<typeof setTimeout>; controller: AbortController }>()
  private readonly now: () => number
  private readonly maxRequestMs: number

  constructor(private readonly config: HttpUplinkConfig, private readonly deps: HttpLinkDeps) {
    this.now = deps.now ?? Date.now
    this.maxRequestMs = deps.maxRequestMs ?? MAX_REQUEST_MS
  }

  async connect(): Promise<void> {
    if (this.connected) return
    if (this.closed) throw new HttpLinkError(t('worker_httpNotConnected'), 'refused')
    let info: { clientAddress: string; assetScale: number; assetCode: string }
    try {
      info = await ildcpFetch((data) => this.exchange(data))
      this.accountSource = 'peer'
    } catch (e) {
      // The peer could not be reached or refused us: that is the answer, whatever the user entered.
      if (e instanceof HttpLinkError) throw e
      // The peer answered, but not ILDCP (a Reject, or an answer that is not one): the user's entry.
      const account = this.config.account
      if (account === null) throw new HttpLinkError(t('worker_httpNoIldcp'), 'no-account')
      info = { clientAddress: account.address, assetCode: account.asset.code, assetScale: account.asset.scale }
      this.accountSource = 'entered'
    }
    if (!isIlpAddress(info.clientAddress)) throw new HttpLinkError(t('worker_httpBadAddress'), 'no-account')
    this.ildcpReply = serializeIldcpResponse(info)
    this.dropped = null
    this.connected = true
  }

  /** Ends the link; a request still waiting is abandoned (its Prepare's outcome is then unknown). */
  async disconnect(): Promise<void> {
    this.connected = false
    this.closed = true
    for (const c of [...this.requests]) c.abort()
  }

  isConnected(): boolean { return this.connected }

  /**
   * Kept, and never called: the peer has no way to send packets to a send-only client (no server here).
   * STREAM registers one; what it would have been given (money sent back, a receiver's own Prepares)
   * Trickle does not need: it only pays, and replies come back in each Fulfill or Reject.
   */
  private handler: ((data: Buffer) => Promise<Buffer>) | null = null
  registerDataHandler(handler: (data: Buffer) => Promise<Buffer>): void { this.handler = handler }
  deregisterDataHandler(): void { this.handler = null }
  get hasDataHandler(): boolean { return this.handler !== null }

  async sendData(data: Buffer): Promise<Buffer> {
    if (!this.connected) throw new HttpLinkError(this.dropped ?? t('worker_httpNotConnected'), 'refused')
    // STREAM's ILDCP query, answered from connect()'s: only one without money (a receiver can point
    // STREAM at peer.config; the packet guard refuses money for such addresses before it gets here).
    if (this.ildcpReply !== null && isMoneylessIldcpQuery(data)) return Buffer.from(this.ildcpReply)
    return this.exchange(data)
  }

  /**
   * One Prepare to the peer and its reply: a Fulfill or Reject from the peer, a Reject of our own when
   * the peer certainly did not take it, or an HttpLinkError when it may have.
   */
  private async exchange(data: Buffer): Promise<Buffer> {
    let expiresAt = this.now() + this.maxRequestMs
    try {
      expiresAt = deserializeIlpPrepare(Buffer.from(data)).expiresAt.getTime()
    } catch {
      // not a Prepare: the cap stands
    }
    for (let send = 1; ; send++) {
      const left = expiresAt - this.now()
      if (left <= 0) return this.reject('R00', t('worker_httpExpired'))
      const res = await this.post(data, Math.min(left, this.maxRequestMs))
      if (res.ok) return this.readReply(res)
      const wait = retryWait(res, send, this.now())
      discard(res)
      this.release(res)
      if (wait !== null) {
        const code = 'T05'
        // Certainly not acted on: sent again after the wait, if the Prepare still lives long enough.
        if (send >= MAX_SENDS || this.now() + wait + RETRY_HEADROOM_MS >= expiresAt) {
          return this.reject(code, t('worker_httpBusy', res.status))
        }
        await this.sleep(wait)
        if (this.closed) return this.reject(code, t('worker_httpNotConnected'))
        continue
      }
      // While connecting (ILDCP: no money in it) any 4xx is the peer's refusal, and says why.
      const connecting = this.ildcpReply === null
      if (REFUSED_STATUSES.has(res.status) || (connecting && res.status >= 400 && res.status < 500)) return this.refused(httpRefusal(res.status))
      if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) return this.refused(t('worker_httpRedirect'))
      // 500, 502, 503, 504, 408, 409 …: the peer (or a proxy before it) may have forwarded it.
      throw new HttpLinkError(t('worker_httpServerError', res.status), 'ambiguous')
    }
  }

  /** The POST itself; a network error or the timeout after it may have been sent throws (ambiguous). */
  private async post(data: Buffer, timeoutMs: number): Promise<Response> {
    const controller = new AbortController()
    const timer = setTimeout(() => controller.abort(), timeoutMs)
    this.requests.add(controller)
    const headers: Record<string, string> = {
      'Content-Type': 'application/octet-stream',
      Accept: 'application/octet-stream',
      Authorization: `Bearer ${this.config.token}`,
    }
    if (this.config.peerName !== null) headers['ILP-Peer-Name'] = this.config.peerName
    try {
      const res = await this.deps.fetch(this.config.endpoint, {
        method: 'POST',
        headers,
        body: new Uint8Array(data),
        signal: controller.signal,
        // The token goes to this endpoint only: never follow a redirect with it, send no cookies.
        redirect: 'manual',
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      })
      // The body is read under the same timer (readReply), so keep it until then.
      this.pending.set(res, { timer, controller })
      return res
    } catch {
      clearTimeout(timer)
      this.requests.delete(controller)
      // The browser's error says nothing more ("Failed to fetch"), and never names the token.
      const why = this.closed ? t('worker_httpNotConnected') : controller.signal.aborted ? t('worker_httpTimeout', Math.round(timeoutMs / 1000)) : t('worker_httpUnreachable')
      throw new HttpLinkError(why, 'ambiguous')
    }
  }

  private async readReply(res: Response): Promise<Buffer> {
    let read: CappedBody
    try {
      // Never more than an ILP reply can be: a peer streaming without end is cut off, not held.
      read = await readCapped(res, MAX_REPLY_BYTES)
    } finally {
      this.release(res)
    }
    if (read.problem === 'unfinished') throw new HttpLinkError(t('worker_httpReplyCut'), 'ambiguous')
    const body = read.problem === null ? Buffer.from(read.bytes) : null
    if (body === null || !isIlpReply(body)) throw new HttpLinkError(t('worker_httpNotIlp'), 'ambiguous')
    return body
  }

  private release(res: Response): void {
    const p = this.pending.get(res)
    if (p === undefined) return
    clearTimeout(p.timer)
    this.requests.delete(p.controller)
    this.pending.delete(res)
  }

  /** The peer did not take the packet and will not: nothing moved; the link drops so the uplink says why. */
  private refused(reason: string): Buffer {
    if (this.ildcpReply === null) throw new HttpLinkError(reason, 'refused')
    this.connected = false
    this.dropped = reason
    return this.reject('T01', reason)
  }

  private reject(code: string, message: string): Buffer {
    return serializeIlpReject({ code, triggeredBy: '', message, data: Buffer.alloc(0) })
  }

  /** Waits before a retry; disconnect() ends the wait at once. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const controller = new AbortController()
      const done = (): void => {
        clearTimeout(timer)
        this.requests.delete(controller)
        resolve()
      }
      const timer = setTimeout(done, ms)
      controller.signal.addEventListener('abort', done, { once: true })
      this.requests.add(controller)
    })
  }
}

/** How long to wait before sending again, or null if this response must not be retried. */
export function retryWait(res: Pick<Response, 'status' | 'headers'>, send: number, now: number): number | null {
  // Only a 429 says "not taken, not now". A 503 (even with Retry-After) may come from a proxy or load
  // balancer in front of the peer after it had forwarded the Prepare: sent again, it could be paid twice.
  if (res.status !== 429) return null
  return parseRetryAfter(res.headers.get('retry-after'), now) ?? BACKOFF_MS[Math.min(send - 1, BACKOFF_MS.length - 1)] ?? 2000
}

/**
 * The 4xx answers that say the request itself was refused before anything was done with it (the
 * token, the endpoint, the method, the body's form). Any other 4xx (408, 409, 425, …) may come after
 * the Prepare was taken, from the peer or a proxy in front of it: its outcome is unknown.
 */
const REFUSED_STATUSES = new Set([400, 401, 403, 404, 405, 411, 413, 414, 415, 431])

/** Retry-After as seconds or an HTTP date (RFC 9110 §10.2.3), in ms from now; null if absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null
  const v = value.trim()
  if (/^\d{1,9}$/.test(v)) return Number(v) * 1000
  const at = Date.parse(v)
  return Number.isNaN(at) ? null : Math.max(0, at - now)
}

function httpRefusal(status: number): string {
  if (status === 401 || status === 403) return t('worker_httpTokenRefused', status)
  if (status === 404) return t('worker_httpNotFound')
  return t('worker_httpRefused', status)
}

/** A whole, readable ILP Fulfill or Reject. */
export function isIlpReply(body: Buffer): boolean {
  if (body.length === 0 || body.length > MAX_REPLY_BYTES) return false
  try {
    if (body[0] === Type.TYPE_ILP_FULFILL) deserializeIlpFulfill(body)
    else if (body[0] === Type.TYPE_ILP_REJECT) deserializeIlpReject(body)
    else return false
    return true
  } catch {
    return false
  }
}

/** A response whose body is not needed: let the browser drop it (the connection may still be reused). */
function discard(res: Response): void {
  void res.body?.cancel().catch(() => undefined)
}
