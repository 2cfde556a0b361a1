/**
 * One small payment to a receiver, through a plugin, with the same STREAM code visits use: the last
 * two steps of the pointer tester. Resolves once the whole amount is fulfilled, or with the stage
 * that failed: the connection (stream) or the money (payment: rejected, or nothing within the time).
 */
import type { Plugin } from 'ilp-protocol-stream/dist/src/util/plugin-interface'
import type { Asset } from '../../shared/money.ts'
import { err, errorMessage, ok, type Result } from '../../shared/result.ts'
import { t } from '../../shared/i18n.ts'
import type { PayFailure, TestPayment } from './pointer-check.ts'
import type { SpspAnswer } from '../payment/spsp.ts'
import { StreamPayer } from '../payment/stream-payer.ts'

export const TEST_PAYMENT_TIMEOUT_MS = 10_000

export interface TestPaymentOptions {
  plugin: Plugin
  answer: Pick<SpspAnswer, 'destinationAccount' | 'sharedSecret'>
  /** The amount in units of the uplink's asset, once it is known; a string refuses, saying why. */
  amount(source: Asset): bigint | string
  onConnected?(): void
  /** Each fulfilled packet: source units, and what arrived. */
  onFulfilled?(source: bigint, delivered: bigint, asset: Asset, destination: Asset | null): void
  timeoutMs?: number
}

export async function sendTestPayment(opts: TestPaymentOptions): Promise<Result<TestPayment, PayFailure>> {
  let closedWith: string | null = null
  let delivered = 0n
  let payer: StreamPayer
  try {
    payer = await StreamPayer.open({
      plugin: opts.plugin,
      destinationAccount: opts.answer.destinationAccount,
      sharedSecret: opts.answer.sharedSecret,
      onFulfilled: (source, deliveredTotal) => {
        const now = deliveredTotal - delivered
        delivered = deliveredTotal
        opts.onFulfilled?.(source, now, payer.sourceAsset, payer.destinationAsset)
      },
      onClosed: (error) => { closedWith = error ?? t('tester_connectionClosed') },
    })
  } catch (e) {
    return err({ stage: 'stream', message: t('tester_streamFailed', errorMessage(e)) })
  }
  opts.onConnected?.()
  const source = payer.sourceAsset
  const amount = opts.amount(source)
  if (typeof amount === 'string' || amount <= 0n) {
    await payer.close()
    return err({ stage: 'payment', message: typeof amount === 'string' ? amount : t('tester_noAmount'), maybeLeft: 0n })
  }
  payer.allow(amount)
  const deadline = Date.now() + (opts.timeoutMs ?? TEST_PAYMENT_TIMEOUT_MS)
  while (payer.totalSent < amount && closedWith === null && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25))
  }
  const sent = payer.totalSent
  // Let the last fulfil's bookkeeping (a macrotask after the stream's event) land.
  await new Promise((r) => setTimeout(r, 10))
  const destination = payer.destinationAsset
  const settled = await payer.close()
  if (sent < amount) {
    const why = closedWith ?? t('tester_partial', String(sent), String(amount), (opts.timeoutMs ?? TEST_PAYMENT_TIMEOUT_MS) / 1000)
    return err({
      stage: 'payment',
      message: settled ? t('tester_notAccepted', why) : t('tester_notAcceptedInFlight', why),
      maybeLeft: settled ? 0n : amount - sent,
    })
  }
  return ok({ sent, delivered, source, destination })
}
