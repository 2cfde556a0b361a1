/**
 * One attempt at a connection to a visit's receiver: SPSP and the uplink at once, then STREAM. After
 * a worker restart with money possibly in flight, the very connection it went out on is reopened
 * instead of asking SPSP for a new one (its first reply settles what arrived; see visit-money.ts).
 */
import { t } from '../../shared/i18n.ts'
import type { TimelinePoint } from '../../shared/status.ts'
import { errorMessage } from '../../shared/result.ts'
import type { LinkState } from '../ledger/visit-record.ts'
import { decodeSharedSecret } from './spsp.ts'
import type { Payer, PayerOptions, VisitNetwork, VisitPolicy } from './visit-deps.ts'

/** A failure after the attempt was aborted is the aborter's business: the visit ignores it. */
export type LinkOutcome =
  /** The visit took the connection (`install`). */
  | { kind: 'open' }
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
  /**
   * Called in the same tick as the connection is known good, so that nothing (an abort, the payer
   * closing) can come between the checks and the visit taking it: false if the visit no longer wants
   * it (stopped), and then it is closed.
   */
  install(link: OpenLink): boolean
}

/** `rate`: the visit's rate in the uplink's asset, as `accept` priced it. */
export interface OpenLink { payer: Payer; destinationAccount: string; sharedSecret: Uint8Array; rate: bigint }

const failure = (reason: string, retryable: boolean, more: { uplink?: boolean; linkLost?: boolean } = {}): LinkOutcome =>
  ({ kind: 'failed', reason, retryable, uplink: more.uplink ?? false, linkLost: more.linkLost ?? false })

/**
 * `deps` is read at each step, never kept: a reload during the attempt gives the visit the new page's
 * rules (its CSP, say), and those are the ones the receiver's final URL is checked against.
 */
export async function openLink(deps: () => VisitNetwork & Pick<VisitPolicy, 'permits'>, req: LinkRequest): Promise<LinkOutcome> {
  const { signal } = req
  // SPSP and the uplink are independent: ask and connect at once (the plugin is dropped if SPSP fails).
  const pluginPromise = deps().connectPlugin(signal).then(
    (plugin) => { req.mark('uplink'); return { plugin, error: null } },
    (e: unknown) => ({ plugin: null, error: errorMessage(e) }),
  )
  const dropPlugin = async (): Promise<void> => { await (await pluginPromise).plugin?.disconnect().catch(() => undefined) }
  const resume = req.resume
  const secret = resume === null ? null : decodeSharedSecret(resume.sharedSecret)
  const spsp = resume !== null && secret !== null
    ? { ok: true as const, value: { destinationAccount: resume.destinationAccount, sharedSecret: secret, finalUrl: req.url } }
    : await deps().querySpsp(req.url, signal)
  req.mark('spsp')
  if (signal.aborted) {
    await dropPlugin()
    return { kind: 'aborted' }
  }
  if (!spsp.ok) {
    await dropPlugin()
    return failure(spsp.error.message, spsp.error.retryable)
  }
  if (!deps().permits(spsp.value.finalUrl)) {
    await dropPlugin()
    return failure(t('worker_redirectCsp'), false)
  }
  req.resolved(spsp.value.finalUrl)
  const { plugin, error } = await pluginPromise
  if (plugin === null) return failure(error ?? t('worker_uplinkUnavailable'), true, { uplink: true })
  let payer: Payer
  try {
    payer = await deps().openPayer({
      plugin,
      destinationAccount: spsp.value.destinationAccount,
      sharedSecret: spsp.value.sharedSecret,
      onFulfilled: req.onFulfilled,
      onClosed: req.onClosed,
    })
  } catch (e) {
    await plugin.disconnect().catch(() => undefined)
    // The old connection cannot be reopened: what was in flight stays unconfirmed; start afresh.
    return failure(t('worker_streamFailed', errorMessage(e)), true, { linkLost: true })
  }
  req.mark('stream')
  if (signal.aborted) {
    await payer.close()
    return { kind: 'aborted' }
  }
  deps().reportUplinkConnected(payer.sourceAsset, payer.sourceAddress)
  const rate = req.accept(payer)
  if (typeof rate === 'string') {
    await payer.close()
    return failure(rate, false)
  }
  if (!req.install({ payer, destinationAccount: spsp.value.destinationAccount, sharedSecret: spsp.value.sharedSecret, rate })) {
    await payer.close()
    return { kind: 'aborted' }
  }
  return { kind: 'open' }
}
