// Firefox with an ILP-over-HTTP uplink: the sandbox connector's HTTP account, entered in the options
// page as the one line `npm run network` prints. A page is paid through it at the rate (the receiver's
// own records), and the uplink is the HTTP account (its own ILDCP address), not BTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { measuredRate } from '../e2e/stack.ts'
import { sleep, waitFor } from '../cross/stack.ts'
import { startFirefoxStack, type FirefoxStack } from './stack.ts'

let stack: FirefoxStack
beforeAll(async () => {
  stack = await startFirefoxStack({
    uplink: async (net) => ({ url: net.httpUplink.text, accepted: 0, open: 0, stop: async () => undefined }),
  })
})
afterAll(async () => { await stack?.stop() })

describe('an ILP-over-HTTP uplink in Firefox', () => {
  it('pays a <link> page at the default rate (±5 % over more than 5 s) through the HTTP account', async () => {
    const settings = await stack.ask<{ uplinkState: { state: string; address?: string } }>('get-settings', null)
    expect(settings.uplinkState).toMatchObject({ state: 'connected', address: 'test.trickle.wallet-http' })
    const name = 'ff-http'
    const page = await stack.open(stack.net.site.pageFor('link', name))
    await waitFor('first payment', () => (stack.net.receiver.account(name).packets.length > 0 ? true : undefined))
    await sleep(6500)
    const { perSecond, spanMs } = measuredRate(stack.net.receiver.account(name).packets)
    expect(spanMs).toBeGreaterThanOrEqual(5000)
    expect(perSecond).toBeGreaterThan(100 * 0.95)
    expect(perSecond).toBeLessThan(100 * 1.05)
    // At most one packet a second: no packet was sent again behind the payer's back.
    const packets = stack.net.receiver.account(name).packets
    for (let i = 1; i < packets.length; i++) expect((packets[i]?.at ?? 0) - (packets[i - 1]?.at ?? 0)).toBeGreaterThan(900)
    await page.close()
  })
})
