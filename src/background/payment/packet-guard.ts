/**
 * Stands between one STREAM connection and the user's uplink, and keeps two promises the STREAM
 * library does not:
 *
 * - **No receiver causes a packet storm.** ilp-protocol-stream retries a receiver's F99 reject at
 *   once, forever (8,000–12,900 packets in 20 s were seen against a receiver that refuses). Packets
 *   here are paced by a token bucket, and a receiver that keeps rejecting is stopped: a few final
 *   rejects (F-codes) in a row, or a longer run of any rejects.
 * - **An unknown outcome counts as sent.** When the reply to a Prepare is lost (the socket died, the
 *   uplink sent nonsense, nothing came before the packet expired), the connector may well have
 *   executed it. The library would treat the money as not sent and send it again; here it is kept as
 *   `unknown` and the connection is stopped, so the visit counts it against the budget until the
 *   receiver says what arrived.
 *
 * It reads the ILP packets it relays (ilp-packet, already in the bundle through ilp-protocol-stream)
 * and changes none of them.
 */
import { t } from '../../shared/i18n.ts'
import { Buffer } from 'buffer'
import { deserializeIlpPrepare, deserializeIlpReject, serializeIlpReject, Type } from 'ilp-packet'
import type { Plugin } from 'ilp-protocol-stream/dist/src/util/plugin-interface'
import { TokenBucket } from './token-bucket.ts'

/** Packets a connection may send at once; normal paying is one a second. */
export const PACKET_BURST = 4
/** After the burst, one more packet per this many ms (at most ~3 a second, whatever happens). */
export const PACKET_REFILL_MS = 300
/** Final rejects in a row after which the receiver is refusing: the connection stops. */
export const FINAL_REJECTS_TO_STOP = 3
/** Rejects of any kind in a row after which the connection stops (temporary ones back off meanwhile). */
export const REJECTS_TO_STOP = 10
/** ILP addresses that name the link itself (RFC 0015's `peer.` and `self.`): never paid. */
const LINK_LOCAL = /^(peer|self)\./
/** How long after a Prepare's expiry its reply may still come before its outcome is unknown. */
const EXPIRY_MARGIN_MS = 2000

/** Why a guard stopped its connection. */
export interface GuardStop {
  reason: string
  /** The receiver refused (final rejects, or replies it made unreadable): retrying will not help. */
  refused: boolean
  /** Money may have arrived without a reply saying so. */
  unknown: boolean
  /** The user's uplink failed, not the receiver: retried like an unreachable uplink, never given up. */
  uplink?: boolean
}

export class GuardStopped extends Error {
  override name = 'GuardStopped'
}

export class PacketGuard implements Plugin {
  /** Source units of Prepares the uplink answered with a Fulfill: they left. */
  fulfilled = 0n
  /** Source units of Prepares whose reply never came or made no sense: they may have left. */
  unknown = 0n
  /** Source units of Prepares sent and not answered yet. */
  inFlight = 0n
  /** The last reject's code (what the popup says when the receiver refuses). */
  lastReject: { code: string; message: string } | null = null
  stopped: GuardStop | null = null
  /** The connection is gone: nothing more may be sent (a packet waiting for its token would reopen it at the receiver). */
  private closed = false
  private finalRun = 0
  private rejectRun = 0
  private readonly bucket: TokenBucket
  private readonly lost = new Set<() => void>()
  private readonly listeners = new Set<(stop: GuardStop) => void>()

  constructor(private readonly inner: Plugin, private readonly now: () => number = Date.now) {
    this.bucket = new TokenBucket(PACKET_BURST, PACKET_REFILL_MS, now)
    // The uplink's socket closed: no reply still owed will ever come.
    const emitter = inner as Partial<{ on(event: string, fn: () => void): void }>
    if (typeof emitter.on === 'function') emitter.on.call(inner, 'disconnect', () => { for (const f of [...this.lost]) f() })
  }

  /** Called once, when the guard stops the connection. */
  onStop(listener: (stop: GuardStop) => void): void { this.listeners.add(listener) }

  /**
   * The last reply was a final reject (ilp-protocol-stream gives up the connection on most of them
   * itself): why, in words, or null.
   */
  get refusal(): string | null {
    const r = this.lastReject
    return this.finalRun > 0 && r !== null ? t('worker_receiverRefused', describeReject(r.code, r.message)) : null
  }

  /** Everything on this connection that may have left: fulfilled, unknown or still in flight. */
  get exposure(): bigint { return this.fulfilled + this.unknown + this.inFlight }

  connect(): Promise<void> { return this.inner.connect() }
  disconnect(): Promise<void> { return this.inner.disconnect() }
  isConnected(): boolean { return this.inner.isConnected() }
  registerDataHandler(handler: (data: Buffer) => Promise<Buffer>): void { this.inner.registerDataHandler(handler) }
  deregisterDataHandler(): void { this.inner.deregisterDataHandler() }

  /** The connection was closed: packets still waiting for a token are dropped, none is sent any more. */
  close(): void { this.closed = true }

  async sendData(data: Buffer): Promise<Buffer> {
    await this.pace()
    if (this.closed) throw new GuardStopped(t('worker_connectionIsClosed'))
    if (this.stopped !== null) throw new GuardStopped(this.stopped.reason)
    // While the uplink's socket is down (its plugin reconnecting), a packet would be written to a
    // socket that is not open and silently lost, its reply awaited for 35 s: the payment stalled that
    // long after every connector restart. Refuse it now instead: nothing left, the visit reconnects.
    if (!this.inner.isConnected()) {
      this.stop({ reason: t('worker_uplinkDropped'), refused: false, unknown: false, uplink: true })
      throw new GuardStopped(t('worker_uplinkDropped'))
    }
    let amount = 0n
    let expiresAt = this.now() + 30_000
    let destination = ''
    try {
      const prepare = deserializeIlpPrepare(Buffer.from(data))
      amount = BigInt(prepare.amount)
      expiresAt = prepare.expiresAt.getTime()
      destination = prepare.destination
    } catch {
      // Not a Prepare: STREAM sends nothing else, but an unreadable packet carries no money we know of.
    }
    // A receiver can point STREAM at any address (ConnectionNewAddress in a reply), the connector's own
    // ones too: `peer.config` answers anything with a Fulfill, and the connector keeps what it was sent.
    // Money for a link-local address never leaves; the refusal is a final reject like any other.
    if (amount > 0n && LINK_LOCAL.test(destination)) {
      const reject = serializeIlpReject({ code: 'F02', triggeredBy: '', message: t('worker_linkLocalRefused'), data: Buffer.alloc(0) })
      this.classify(reject, amount)
      return reject
    }
    this.inFlight += amount
    let reply: Buffer
    try {
      reply = await this.awaitReply(this.inner.sendData(data), expiresAt + EXPIRY_MARGIN_MS - this.now())
    } catch (e) {
      this.inFlight -= amount
      this.unknown += amount
      if (amount > 0n) this.stop({ reason: t('worker_replyLost'), refused: false, unknown: true, uplink: true })
      throw e
    }
    this.inFlight -= amount
    this.classify(reply, amount)
    return reply
  }

  private classify(reply: Buffer, amount: bigint): void {
    if (reply[0] === Type.TYPE_ILP_FULFILL) {
      this.fulfilled += amount
      // Only money taken says the receiver accepts money; STREAM's empty packets are fulfilled anyway.
      if (amount > 0n) {
        this.finalRun = 0
        this.rejectRun = 0
      }
      return
    }
    if (reply[0] !== Type.TYPE_ILP_REJECT) {
      // The uplink answered with something that is neither: whether the money moved is unknown.
      this.unknown += amount
      if (amount > 0n) this.stop({ reason: t('worker_notIlpReply'), refused: false, unknown: true, uplink: true })
      return
    }
    // STREAM answers packets without money (frames only) with F99 as a matter of course: only a
    // money packet's reject says anything about the receiver.
    if (amount === 0n) return
    let code = 'F00'
    let message = ''
    try {
      const reject = deserializeIlpReject(Buffer.from(reply))
      code = reject.code
      message = reject.message
    } catch {
      // an unreadable reject is still a reject: nothing moved
    }
    this.lastReject = { code, message }
    this.rejectRun++
    // F08 (amount too large) is the path's size limit, which STREAM learns from; other F-codes say no.
    if (code.startsWith('F') && code !== 'F08') this.finalRun++
    else this.finalRun = 0
    if (this.finalRun >= FINAL_REJECTS_TO_STOP) {
      this.stop({ reason: t('worker_receiverRefused', describeReject(code, message)), refused: true, unknown: false })
    } else if (this.rejectRun >= REJECTS_TO_STOP) {
      this.stop({ reason: t('worker_receiverRejectedRun', this.rejectRun, describeReject(code, message)), refused: false, unknown: false })
    }
  }

  private stop(stop: GuardStop): void {
    if (this.stopped !== null) return
    this.stopped = stop
    for (const l of this.listeners) l(stop)
  }

  /** The reply, or an error once the socket is gone or the Prepare is long expired. */
  private awaitReply(reply: Promise<Buffer>, timeoutMs: number): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer)
        this.lost.delete(onLost)
      }
      const onLost = (): void => { done(); reject(new Error('the uplink\'s connection closed before the reply came')) }
      const timer = setTimeout(() => { done(); reject(new Error('no reply before the payment expired')) }, Math.max(0, timeoutMs))
      this.lost.add(onLost)
      reply.then((r) => { done(); resolve(r) }, (e: unknown) => { done(); reject(e instanceof Error ? e : new Error(String(e))) })
    })
  }

  /** Waits for a token of the bucket. */
  private async pace(): Promise<void> {
    while (this.stopped === null && !this.closed && !this.bucket.take()) {
      await new Promise((r) => setTimeout(r, this.bucket.wait()))
    }
  }
}

const REJECT_NAMES: Record<string, string> = {
  F00: 'bad request', F01: 'invalid packet', F02: 'unreachable', F03: 'invalid amount', F04: 'insufficient destination amount',
  F05: 'wrong condition', F06: 'unexpected payment', F07: 'cannot receive', F08: 'amount too large', F99: 'application error',
  T00: 'internal error', T01: 'peer unreachable', T02: 'peer busy', T03: 'connector busy', T04: 'insufficient liquidity',
  T05: 'rate limited', T99: 'application error', R00: 'transfer timed out', R01: 'insufficient source amount', R02: 'insufficient timeout', R99: 'application error',
}

/** "F02 unreachable: message", with the page-controlled message shortened. */
export function describeReject(code: string, message: string): string {
  const name = REJECT_NAMES[code]
  const text = message.replace(/[\u0000-\u001f\u007f]/g, ' ').trim().slice(0, 120)
  return `${code}${name === undefined ? '' : ` ${name}`}${text === '' ? '' : `: ${text}`}`
}
