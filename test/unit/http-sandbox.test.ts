// Trickle's own payment code (HttpLink, StreamPayer with its packet guard) paying a receiver of the
// sandbox network through the connector's ILP-over-HTTP account (ilp-plugin-http, 127.0.0.1 only),
// checked against the receiver's own records.
import { Buffer } from 'buffer'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HttpLink } from '../../src/background/payment/http-link.ts'
import { StreamPayer } from '../../src/background/payment/stream-payer.ts'
import { validateUplink, type ParsedUplink } from '../../src/shared/settings.ts'
import { startNetwork, type Network } from '../sandbox/network.ts'
import { waitFor } from '../cross/stack.ts'

let net: Network
beforeAll(async () => { net = await startNetwork() })
afterAll(async () => { await net?.stop() })

function httpUplink(text: string): Extract<ParsedUplink, { kind: 'http' }> {
  const parsed = validateUplink(text)
  if (!parsed.ok || parsed.value.kind !== 'http') throw new Error('the sandbox HTTP uplink should parse')
  return parsed.value
}

describe('the sandbox ILP-over-HTTP account', () => {
  it('tells its account by ILDCP and carries a STREAM payment to exactly what was allowed', async () => {
    const link = new HttpLink(httpUplink(net.httpUplink.text), { fetch })
    await link.connect()
    expect(link.accountSource).toBe('peer')
    const spsp = await (await fetch(`${net.receiver.spspBase}/http-node`)).json() as { destination_account: string; shared_secret: string }
    let fulfilled = 0n
    const payer = await StreamPayer.open({
      plugin: link,
      destinationAccount: spsp.destination_account,
      sharedSecret: Buffer.from(spsp.shared_secret, 'base64'),
      onFulfilled: (source) => { fulfilled += source },
      onClosed: () => undefined,
    })
    expect(payer.sourceAsset).toEqual({ code: 'USD', scale: 9 })
    expect(payer.sourceAddress).toBe('test.trickle.wallet-http')
    payer.allow(25_000_000n) // 2.5 packets of the account's 1-cent maximum
    await waitFor('the allowance to arrive', () => (fulfilled === 25_000_000n ? true : undefined), 10_000)
    // The receiver (USD scale 6) counts what arrived: 25,000,000 units at scale 9 = 25,000 at scale 6.
    await waitFor('the receiver to count it', () => (net.receiver.account('http-node').total === 25_000n ? true : undefined), 5000)
    await payer.close()
    expect(net.receiver.account('http-node').total).toBe(25_000n)
  })

  it('refuses a wrong token with 401, which the link names', async () => {
    const link = new HttpLink({ ...httpUplink(net.httpUplink.text), token: 'wrong' }, { fetch })
    await expect(link.connect()).rejects.toThrow(/refused the token \(HTTP 401\)/)
  })
})
