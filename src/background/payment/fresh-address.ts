/**
 * One fresh, random source address per STREAM connection, under no account. ilp-protocol-stream
 * announces its ILDCP address to the receiver (`ConnectionNewAddress`); with the uplink's address every
 * receiver would see the same one and could link one person across sites. A random segment under the
 * uplink's address would not help: the account's prefix alone links them. So the library's ILDCP
 * query is answered with `private.trickle.<128 random bits>` and the uplink's asset.
 *
 * What that costs: Fulfills and Rejects travel back along the path the Prepare took, whatever the
 * source address, so paying is unchanged. Only packets a receiver starts itself cannot reach Trickle
 * (money sent back, which a payer never takes, or a close notice, which Trickle then reads from the
 * reply to its next packet).
 */
import { Buffer } from 'buffer'
import { deserializeIlpPrepare, Type } from 'ilp-packet'
import { deserializeIldcpResponse, serializeIldcpResponse } from 'ilp-protocol-ildcp'
import type { Plugin } from 'ilp-protocol-stream/dist/src/util/plugin-interface'

const ILDCP_DESTINATION = 'peer.config'
/** RFC 0015's allocation for addresses no public network routes. */
export const ANONYMOUS_PREFIX = 'private.trickle'

/** 128 random bits, in characters an ILP address segment allows. */
export function randomSegment(): string {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('')
}

export class FreshAddress implements Plugin {
  /** The address this connection announced, once ILDCP was asked (tests read it). */
  address: string | null = null
  /** The uplink account's own address, which only the user is shown. */
  uplinkAddress: string | null = null

  constructor(private readonly inner: Plugin, private readonly segment: string = randomSegment()) {}

  connect(): Promise<void> { return this.inner.connect() }
  disconnect(): Promise<void> { return this.inner.disconnect() }
  isConnected(): boolean { return this.inner.isConnected() }
  registerDataHandler(handler: (data: Buffer) => Promise<Buffer>): void { this.inner.registerDataHandler(handler) }
  deregisterDataHandler(): void { this.inner.deregisterDataHandler() }

  async sendData(data: Buffer): Promise<Buffer> {
    const reply = await this.inner.sendData(data)
    if (!isIldcpQuery(data) || reply[0] !== Type.TYPE_ILP_FULFILL) return reply
    // An ILDCP response is a whole Fulfill packet (ilp-protocol-ildcp reads and writes the packet).
    const info = deserializeIldcpResponse(reply)
    this.uplinkAddress = info.clientAddress
    this.address = `${ANONYMOUS_PREFIX}.${this.segment}`
    return serializeIldcpResponse({ ...info, clientAddress: this.address })
  }
}

/** Whether `data` is a Prepare for `peer.config`: an ILDCP query. */
export function isIldcpQuery(data: Buffer): boolean {
  if (data[0] !== Type.TYPE_ILP_PREPARE) return false
  try {
    return deserializeIlpPrepare(Buffer.from(data)).destination === ILDCP_DESTINATION
  } catch {
    return false
  }
}
