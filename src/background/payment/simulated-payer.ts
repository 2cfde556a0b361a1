/**
 * Simulator mode's stand-in for a STREAM connection: it "fulfils" every allowance a moment after it is
 * given, in the same asset, so a visit runs exactly as it would (pacing, events, status) while no money
 * moves and nothing touches the network. Chosen per site by the user, labelled everywhere.
 */
import type { Plugin } from 'ilp-protocol-stream/dist/src/util/plugin-interface'
import type { Asset } from '../../shared/money.ts'
import { ok, type Result } from '../../shared/result.ts'
import type { SpspAnswer, SpspFailure } from './spsp.ts'
import type { PayerOptions } from './stream-payer.ts'
import type { Payer } from './visit-deps.ts'

/** About a path's round trip, so events arrive as they would. */
const SIMULATED_RTT_MS = 20

export class SimulatedPayer implements Payer {
  readonly sourceAddress = 'test.trickle.simulated'
  totalSent = 0n
  private allowance = 0n
  private open = true
  private timer: ReturnType<typeof setTimeout> | undefined

  constructor(readonly sourceAsset: Asset, private readonly opts: Pick<PayerOptions, 'onFulfilled' | 'onClosed'>) {}

  get destinationAsset(): Asset { return this.sourceAsset }
  get pending(): bigint { return this.allowance - this.totalSent }
  get isOpen(): boolean { return this.open }

  allow(total: bigint): void {
    if (!this.open || total <= this.allowance) return
    this.allowance = total
    clearTimeout(this.timer)
    this.timer = setTimeout(() => {
      const amount = this.allowance - this.totalSent
      if (!this.open || amount <= 0n) return
      this.totalSent += amount
      this.opts.onFulfilled(amount, this.totalSent, null)
    }, SIMULATED_RTT_MS)
  }

  async close(): Promise<boolean> {
    clearTimeout(this.timer)
    this.open = false
    this.opts.onClosed(null)
    return true
  }
}

/** What a simulated visit uses instead of the network. */
export const simulatedNetwork = {
  plugin: (): Plugin => ({ disconnect: async () => undefined }) as unknown as Plugin,
  spsp: async (url: string): Promise<Result<SpspAnswer, SpspFailure>> =>
    ok({ destinationAccount: 'test.trickle.simulated', sharedSecret: new Uint8Array(32), finalUrl: url, status: 200, contentType: 'simulated', cacheControl: null }),
}

/** The asset simulated amounts are in: the uplink's if known, else US dollars at scale 9. */
export const SIMULATED_ASSET: Asset = { code: 'USD', scale: 9 }
