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

/** The ILDCP query in `data`, if it is one (a Prepare for `peer.config`): with its amount. */
function ildcpQuery(data: Buffer): { amount: string } | null {
  if (data[0] !== Type.TYPE_ILP_PREPARE) return null
  try {
    const prepare = deserializeIlpPrepare(Buffer.from(data))
    return prepare.destination === ILDCP_DESTINATION ? { amount: prepare.amount } : null
  } catch {
    return null
  }
}

const isIldcpQuery = (data: Buffer): boolean => ildcpQuery(data) !== null

/**
 * STREAM's ILDCP query: a Prepare for `peer.config` with no money, which a link may answer from the
 * answer it was given when it connected (ildcp-ready.ts, http-link.ts). A receiver can point STREAM at
 * any address (ConnectionNewAddress in a reply), `peer.config` too: a Prepare with money in it is never
 * answered so, where a Fulfill would have the packet guard count as sent money that went nowhere.
 */
export const isMoneylessIldcpQuery = (data: Buffer): boolean => ildcpQuery(data)?.amount === '0'
