/**
 * A BTP link that has asked ILDCP already. ilp-protocol-stream asks `peer.config` who it is as the
 * first thing of every connection, one round trip to the connector before the receiver hears
 * anything. The uplink connects a spare link ahead of the next page (uplink.ts), so the question is
 * asked there, off the first payment's path, and STREAM's own query is answered with that reply, as
 * the ILP-over-HTTP link does (http-link.ts). Only this link's own answer is given back, to this
 * link's own connection; no money is in either packet, and every other packet passes unchanged.
 *
 * If the connector rejects the early question, nothing is kept and STREAM asks it itself, as before,
 * and fails or succeeds as it would have. One that does not answer at all now fails the link within
 * the uplink's connect timeout (uplink.ts), where STREAM would have waited out its packet's expiry.
 */
import { Buffer } from 'buffer'
import { Type } from 'ilp-packet'
import { deserializeIldcpResponse, fetch as ildcpFetch } from 'ilp-protocol-ildcp'
import type { Plugin } from 'ilp-protocol-stream/dist/src/util/plugin-interface'
import { isMoneylessIldcpQuery } from './fresh-address.ts'

type Emitter = Partial<{ on(event: string, fn: (...args: unknown[]) => void): unknown }>

export class IldcpReady implements Plugin {
  /** The connector's Fulfill to our early question, once it came. */
  private reply: Buffer | null = null
  /** The early question was asked (STREAM's own connect() calls this again: it is not asked twice). */
  private asked = false
  /** Counts the socket's closes: an answer that comes after one is not kept. */
  private session = 0

  constructor(private readonly inner: Plugin) {
    // The socket closed: ilp-plugin-btp reconnects by itself, perhaps to a connector configured anew
    // (another asset or scale), so the answer is not kept past it and STREAM asks the connector.
    this.on('disconnect', () => {
      this.reply = null
      this.session++
    })
  }

  async connect(): Promise<void> {
    await this.inner.connect()
    if (this.asked) return
    this.asked = true
    const session = this.session
    let raw: Buffer | null = null
    try {
      await ildcpFetch(async (data) => {
        raw = await this.inner.sendData(data)
        return raw
      })
      // fetch() read it as an ILDCP response: it is one. Kept as the bytes the connector sent.
      if (raw !== null && (raw as Buffer)[0] === Type.TYPE_ILP_FULFILL && session === this.session) {
        deserializeIldcpResponse(raw)
        this.reply = Buffer.from(raw)
      }
    } catch {
      // Not answered now: STREAM's own query goes to the connector.
    }
  }

  disconnect(): Promise<void> { return this.inner.disconnect() }
  isConnected(): boolean { return this.inner.isConnected() }
  registerDataHandler(handler: (data: Buffer) => Promise<Buffer>): void { this.inner.registerDataHandler(handler) }
  deregisterDataHandler(): void { this.inner.deregisterDataHandler() }

  /** The inner plugin's events ('disconnect': the packet guard learns that no reply owed will come). */
  on(event: string, fn: (...args: unknown[]) => void): this {
    const emitter = this.inner as Emitter
    if (typeof emitter.on === 'function') emitter.on.call(this.inner, event, fn)
    return this
  }

  async sendData(data: Buffer): Promise<Buffer> {
    if (this.reply !== null && isMoneylessIldcpQuery(data)) return Buffer.from(this.reply)
    return this.inner.sendData(data)
  }
}
