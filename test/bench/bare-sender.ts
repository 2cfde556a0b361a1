/**
 * The floor the first-payment benchmarks compare against: a Node sender doing SPSP, the uplink's
 * connect, a STREAM connection and the first packet, nothing else.
 */
import { createConnection } from 'ilp-protocol-stream'
import type { Plugin } from 'ilp-protocol-stream/dist/src/util/plugin-interface'

export async function bareSenderOn(spspBase: string, plugin: () => Plugin, name: string): Promise<number> {
  const t0 = performance.now()
  const res = await fetch(`${spspBase}/${name}`, { headers: { accept: 'application/spsp4+json' } })
  const spsp = await res.json() as { destination_account: string; shared_secret: string }
  const conn = await createConnection({
    plugin: plugin(),
    destinationAccount: spsp.destination_account,
    sharedSecret: Buffer.from(spsp.shared_secret, 'base64'),
    exchangeRate: 1,
    slippage: 1,
  })
  const stream = conn.createStream()
  await stream.sendTotal(100_000)
  const elapsed = performance.now() - t0
  await conn.destroy()
  return elapsed
}
