/**
 * One STREAM connection to one receiver, and the single money stream on it. The visit decides how
 * much may have left in total; this class only moves the stream's send limit and reports fulfilled
 * money. It never raises the limit on its own.
 */
import { t } from '../../shared/i18n.ts'
import { Buffer } from 'buffer'
import { FreshAddress } from './fresh-address.ts'
import { createConnection, type Connection, type DataAndMoneyStream } from 'ilp-protocol-stream'
import type { Plugin } from 'ilp-protocol-stream/dist/src/util/plugin-interface'
import { isAsset, type Asset } from '../../shared/money.ts'
import { errorMessage } from '../../shared/result.ts'
import { PacketGuard, type GuardStop } from './packet-guard.ts'

export interface PayerOptions {
  plugin: Plugin
  destinationAccount: string
  sharedSecret: Uint8Array
  /**
   * Called once per fulfilled packet: source units sent, what this connection has delivered in all,
   * and the receiver's own total for the stream (its StreamMaxMoney frame), which also counts money
   * an earlier sender on the same connection delivered; null when the receiver did not say.
   */
  onFulfilled(source: bigint, deliveredTotal: bigint, remoteTotal: bigint | null, deliveryUnknown?: boolean): void
  /**
   * Called once when the connection ends, with why if it was not our doing, and what its packet guard
   * concluded if the guard stopped it (the receiver refused; a reply was lost).
   */
  onClosed(error: string | null, stop?: GuardStop): void
}

/** One cent at scale 9: large enough for a second at any sane rate, small enough to bound a bad packet. */
export const MAX_PACKET_AMOUNT = '10000000'
/** How long close() waits for money in flight to settle before tearing the connection down. */
const CLOSE_GRACE_MS = 2000

export class StreamPayer {
  private closing = false
  private closedNotified = false
  private allowance = 0n

  private constructor(
    private readonly conn: Connection,
    private readonly stream: DataAndMoneyStream,
    private readonly opts: PayerOptions,
    private readonly guard: PacketGuard,
    /** The uplink account's address (the user's options page shows it; receivers never see it). */
    readonly sourceAddress: string,
  ) {}

  static async open(opts: PayerOptions): Promise<StreamPayer> {
    // Every packet of the connection passes the guard: paced, watched for refusals and lost replies.
    const guard = new PacketGuard(opts.plugin)
    // A source address of its own, so that no two receivers see the same one (fresh-address.ts).
    const fresh = new FreshAddress(guard)
    const conn = await createConnection({
      plugin: fresh,
      destinationAccount: opts.destinationAccount,
      sharedSecret: Buffer.from(opts.sharedSecret),
      // Web Monetization has no target amount, so there is nothing to protect with a minimum: skip
      // the rate probe (3–5 round trips) as Coil did, and let the receiver take what arrives.
      exchangeRate: 1,
      slippage: 1,
      maximumPacketAmount: MAX_PACKET_AMOUNT,
    })
    // The uplink speaks for the user, but what it announces is still input: an asset Trickle cannot
    // store or show (isAsset) is refused here, not found later as a "damaged" record.
    const source = { code: conn.sourceAssetCode, scale: conn.sourceAssetScale }
    if (!isAsset(source)) {
      await conn.destroy().catch(() => undefined)
      throw new Error('the uplink announced an asset Trickle cannot use (a currency code of 1–64 characters and a scale of 0–255)')
    }
    const stream = conn.createStream()
    const payer = new StreamPayer(conn, stream, opts, guard, fresh.uplinkAddress ?? conn.sourceAccount)
    payer.wire()
    return payer
  }

  /**
   * Why the receiver takes no more: its last reply was a final reject, or its StreamMaxMoney frame
   * said it has received all it will (receive max reached). The second leaves no F99 to see: the
   * library just stops sending, for ever, while the visit would show "paying".
   */
  get refusal(): string | null {
    return this.guard.refusal ?? (this.receiverFull() ? t('worker_receiverFull') : null)
  }

  /** What may have left on this connection: the guard saw every Prepare and its reply. */
  get exposure(): bigint {
    const sent = this.totalSent
    const fulfilled = this.guard.fulfilled > sent ? this.guard.fulfilled : sent
    return fulfilled + this.guard.unknown + this.guard.inFlight
  }

  private wire(): void {
    this.stream.on('outgoing_money', (amount: string) => {
      // The stream emits before the connection adds to totalDelivered: read it on the next macrotask.
      const source = BigInt(amount)
      // A fulfil after the visit was told the connection ended belongs to its settlement (unconfirmed).
      if (this.closedNotified) return
      setTimeout(() => this.opts.onFulfilled(source, BigInt(this.conn.totalDelivered), this.remoteReceived()), 0)
    })
    this.stream.on('error', (e: unknown) => this.failedWith(t('worker_streamError', errorMessage(e))))
    this.conn.on('error', (e: unknown) => this.failedWith(t('worker_connectionFailed', errorMessage(e))))
    // The guard stopped sending; the library notices on its next packet, or here if it sends none.
    this.guard.onStop(() => { setTimeout(() => { if (this.isOpen) void this.conn.destroy().catch(() => undefined) }, 0) })
    // The connection has said ConnectionClose: from this moment nothing more may leave on it (a stream's
    // late close frame would reopen the connection at the receiver).
    this.conn.on('close', () => { this.guard.close(); this.notifyClosed(this.closing ? null : t('worker_receiverClosed')) })
    this.conn.on('end', () => { this.guard.close(); this.notifyClosed(this.closing ? null : t('worker_receiverEnded')) })
  }

  /**
   * The connection failed. If the uplink fulfilled money the library could not account for (the
   * receiver's reply data was unreadable), that money left: it is reported as sent, and the receiver
   * counts as refusing, since its replies are broken.
   */
  private failedWith(error: string): void {
    if (this.closedNotified) return
    const unaccounted = this.guard.fulfilled - this.totalSent
    if (unaccounted > 0n && this.guard.stopped === null) {
      // Sent for sure (the uplink fulfilled it); what it delivered the unreadable reply did not say.
      this.opts.onFulfilled(unaccounted, BigInt(this.conn.totalDelivered), null, true)
      this.notifyClosed(error, { reason: t('worker_replyUnreadable'), refused: true, unknown: false })
      return
    }
    const refusal = this.guard.stopped === null ? this.guard.refusal : null
    if (refusal !== null) {
      this.notifyClosed(error, { reason: refusal, refused: true, unknown: false })
      return
    }
    this.notifyClosed(error)
  }

  private notifyClosed(error: string | null, stop: GuardStop | undefined = this.guard.stopped ?? undefined): void {
    if (this.closedNotified) return
    this.closedNotified = true
    // Once the visit is told the connection is over, nothing more leaves on it.
    if (!this.closing) this.guard.close()
    this.opts.onClosed(this.closing ? null : error, this.closing ? undefined : stop)
  }

  get sourceAsset(): Asset {
    return { code: this.conn.sourceAssetCode, scale: this.conn.sourceAssetScale }
  }


  /** The receiver's asset as it announced it, or null: unknown, or nothing Trickle can store or show. */
  get destinationAsset(): Asset | null {
    const asset = { code: this.conn.destinationAssetCode, scale: this.conn.destinationAssetScale }
    return isAsset(asset) ? { code: asset.code, scale: asset.scale } : null
  }

  get totalSent(): bigint { return BigInt(this.stream.totalSent) }

  /** Authorised but not yet fulfilled: money that may be in flight. */
  get pending(): bigint { return this.allowance - this.totalSent }

  get isOpen(): boolean { return !this.closedNotified && !this.closing }

  /** Lets the stream's cumulative total reach `total` source units. Never lowers it. */
  allow(total: bigint): void {
    if (!this.isOpen || total <= this.allowance) return
    this.allowance = total
    this.stream.setSendMax(total.toString())
  }

  /**
   * Stops sending, lets money in flight settle (up to 2 s), then closes everything. Resolves true
   * when nothing was left in flight, so the caller may treat `totalSent` as exact.
   */
  async close(): Promise<boolean> {
    if (this.closing) return false
    const wasOpen = !this.closedNotified
    this.closing = true
    let settled = false
    if (wasOpen) {
      try {
        this.stream.setSendMax(this.stream.totalSent)
        const deadline = Date.now() + CLOSE_GRACE_MS
        while (this.pendingHolds() && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50))
        }
        settled = !this.pendingHolds()
      } catch {
        // the stream may already be gone; closing below is all that is left to do
      }
    }
    // Close in order: the stream's last frames, then ConnectionClose. Destroying the stream and the
    // connection at once raced the two packets; when the close arrived first, the receiver's next
    // packet opened a new connection there (seen in the reload test, 1 run in 3).
    let ended = false
    if (wasOpen) {
      let timer: ReturnType<typeof setTimeout> | undefined
      ended = await Promise.race([
        this.conn.end().then(() => true, () => false),
        new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS) }),
      ])
      clearTimeout(timer)
    }
    if (!ended) {
      try {
        await this.conn.destroy()
      } catch {
        // already closed
      }
    }
    this.guard.close()
    this.notifyClosed(null)
    return settled
  }

  /**
   * The receiver's total for this stream as its last StreamMaxMoney frame said (RFC 29), kept by the
   * library in a protected field: there is no public accessor. null if this version lacks it.
   */
  private remoteReceived(): bigint | null {
    const v = (this.stream as unknown as { _remoteReceived?: { toString(): string } })._remoteReceived
    const text = v?.toString() ?? ''
    return /^\d+$/.test(text) ? BigInt(text) : null
  }

  /**
   * The receiver said (StreamMaxMoney) it has received as much as it will: the library keeps its
   * receive max in a protected field, the largest unsigned 64-bit value until the receiver says one.
   */
  private receiverFull(): boolean {
    const inner = this.stream as unknown as { _remoteReceiveMax?: { toString(): string } }
    const max = inner._remoteReceiveMax?.toString() ?? ''
    const received = this.remoteReceived()
    if (!/^\d+$/.test(max) || received === null || BigInt(max) === 2n ** 64n - 1n) return false
    return received >= BigInt(max)
  }

  /** Money in flight, from the library's own (protected) hold counter: there is no public accessor. */
  private pendingHolds(): boolean {
    return !this.stream['_outgoingHeldAmount'].isZero()
  }
}
