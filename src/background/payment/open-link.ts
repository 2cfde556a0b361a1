/**
 * One attempt at a connection to a visit's receiver: SPSP and the uplink at once, then STREAM. After
 * a worker restart with money possibly in flight, the very connection it went out on is reopened
 * instead of asking SPSP for a new one (its first reply settles what arrived; see visit-books.ts).
 */
import type { TimelinePoint } from '../../shared/status.ts'
import { errorMessage } from '../../shared/result.ts'
import type { LinkState } from '../ledger/visit-record.ts'
import { decodeSharedSecret } from './spsp.ts'
import type { Payer, PayerOptions, VisitNetwork, VisitPolicy } from './visit-deps.ts'

/** A failure after the attempt was aborted is the aborter's business: the visit ignores it. */
export type LinkOutcome =
  /** `rate`: the visit's rate in the uplink's asset, as `accept` priced it. */
  | { kind: 'open'; payer: Payer; destinationAccount: string; sharedSecret: Uint8Array; finalUrl: string; rate: bigint }
  /** `uplink`: the user's uplink failed, not the receiver. `linkLost`: a reopened link cannot be. */
  | { kind: 'failed'; reason: string; retryable: boolean; uplink: boolean; linkLost: boolean }
  | { kind: 'aborted' }

export interface LinkRequest {
  url: string
  /** The connection a dead worker left, to reopen; null to ask SPSP. */
  resume: LinkState | null
  signal: AbortSignal
  /** A step of the first payment was reached (the status's timeline). */
  mark(point: TimelinePoint): void
  /** SPSP answered (after redirects): the page hears where it pays, the status says "connecting". */
  resolved(finalUrl: string): void
  onFulfilled: PayerOptions['onFulfilled']
  onClosed: PayerOptions['onClosed']
  /** The visit's rate in the connection's asset, or why the visit cannot pay in it. */
  accept(payer: Payer): bigint | string
}

const failure = (reason: string, retryable: boolean, more: { uplink?: boolean; linkLost?: boolean } = {}): LinkOutcome =>
  ({ kind: 'failed', reason, retryable, uplink: more.uplink ?? false, linkLost: more.linkLost ?? false })

export async function openLink(net: VisitNetwork & Pick<VisitPolicy, 'permits'>, req: LinkRequest): Promise<LinkOutcome> {
  const { signal } = req
  // SPSP and the uplink are independent: ask and connect at once (the plugin is dropped if SPSP fails).
  const pluginPromise = net.connectPlugin(signal).then(
    (plugin) => { req.mark('uplink'); return { plugin, error: null } },
    (e: unknown) => ({ plugin: null, error: errorMessage(e) }),
  )
  const dropPlugin = async (): Promise<void> => { await (await pluginPromise).plugin?.disconnect().catch(() => undefined) }
  const link = req.resume
  const secret = link === null ? null : decodeSharedSecret(link.sharedSecret)
  const spsp = link !== null && secret !== null
    ? { ok: true as const, value: { destinationAccount: link.destinationAccount, sharedSecret: secret, finalUrl: req.url } }
    : await net.querySpsp(req.url, signal)
  req.mark('spsp')
  if (signal.aborted) {
    await dropPlugin()
    return { kind: 'aborted' }
  }
  if (!spsp.ok) {
    await dropPlugin()
    return failure(spsp.error.message, spsp.error.retryable)
  }
  if (!net.permits(spsp.value.finalUrl)) {
    await dropPlugin()
    return failure('The receiver redirected outside what this page\'s Content-Security-Policy (monetization-src) allows.', false)
  }
  req.resolved(spsp.value.finalUrl)
  const { plugin, error } = await pluginPromise
  if (plugin === null) return failure(error ?? 'The uplink is not available.', true, { uplink: true })
  try {
    const payer = await net.openPayer({
      plugin,
      destinationAccount: spsp.value.destinationAccount,
      sharedSecret: spsp.value.sharedSecret,
      onFulfilled: req.onFulfilled,
      onClosed: req.onClosed,
    })
    req.mark('stream')
    if (signal.aborted) {
      await payer.close()
      return { kind: 'aborted' }
    }
    net.reportUplinkConnected(payer.sourceAsset, payer.sourceAddress)
    const rate = req.accept(payer)
    if (typeof rate === 'string') {
      await payer.close()
      return failure(rate, false)
    }
    return { kind: 'open', payer, destinationAccount: spsp.value.destinationAccount, sharedSecret: spsp.value.sharedSecret, finalUrl: spsp.value.finalUrl, rate }
  } catch (e) {
    await plugin.disconnect().catch(() => undefined)
    // The old connection cannot be reopened: what was in flight stays unconfirmed; start afresh.
    return failure(`Could not open a STREAM connection to the receiver: ${errorMessage(e)}`, true, { linkLost: true })
  }
}
