/**
 * What the popup says of a tab being paid. With several receivers, what was sent is the total to all
 * of them, and what was received is the total all of them got: the two figures always cover the same
 * receivers (they once covered the tab and its first receiver, and half the money looked lost).
 * Received in different currencies adds up to no one figure: then none is given.
 */
import { sameAsset, type Asset } from '../../shared/money.ts'
import type { TabStatus } from '../../shared/status.ts'

export interface PaidVisit {
  status(): TabStatus
  readonly sent: bigint
  readonly delivered: bigint
  readonly destinationAsset: Asset | null
}

/** The status of a tab paying `visits` (at least one), in the order they were first paid. */
export function payingStatus(visits: readonly PaidVisit[]): TabStatus {
  const [first] = visits
  if (first === undefined) throw new Error('payingStatus needs a visit')
  const status = first.status()
  if (status.kind !== 'monetized' || visits.length === 1 || status.sent === null) return status
  const sent = visits.reduce((sum, v) => sum + v.sent, 0n)
  const asset = first.destinationAsset
  const oneAsset = asset !== null && visits.every((v) => v.destinationAsset !== null && sameAsset(v.destinationAsset, asset))
  const delivered = oneAsset ? { value: visits.reduce((sum, v) => sum + v.delivered, 0n).toString(), code: asset.code, scale: asset.scale } : null
  return { ...status, receivers: visits.length, sent: { ...status.sent, value: sent.toString() }, delivered }
}
