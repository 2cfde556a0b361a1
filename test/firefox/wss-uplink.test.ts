// Firefox with its default event-page idle timeout (30 s) and a `btp+wss://` uplink (a TLS front
// with a test certificate before the sandbox's wallet account): a page is paid through it, and a
// visit of more than two minutes is paid without a stall and without the background being stopped.
// The `btp+ws://` loopback uplink is the one test/firefox/cross.test.ts pays through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { crossScenarios } from '../cross/scenarios.ts'
import { sleep } from '../cross/stack.ts'
import { SANDBOX_UPLINK_TOKEN } from '../sandbox/network.ts'
import { startTlsFront } from '../sandbox/tls-front.ts'
import { startFirefoxStack, type FirefoxStack } from './stack.ts'

let stack: FirefoxStack
beforeAll(async () => {
  stack = await startFirefoxStack({
    acceptInsecureCerts: true,
    uplink: async (net) => {
      const front = await startTlsFront(`ws://127.0.0.1:${new URL(net.directUplinkUrl.replace(/^btp\+/, '')).port}`)
      return { url: `btp+wss://:${SANDBOX_UPLINK_TOKEN}@127.0.0.1:${front.port}`, get accepted() { return front.accepted }, get open() { return front.open }, stop: () => front.stop() }
    },
  })
})
afterAll(async () => { await stack?.stop() })

describe('a wss:// uplink', () => {
  it('pays a page through it', async () => {
    const name = 'wss-paid'
    const page = await stack.open(stack.net.site.pageFor('link', name))
    await sleep(3500)
    expect(stack.uplinkSockets().accepted).toBeGreaterThan(0)
    expect(stack.net.receiver.account(name).packets.length).toBeGreaterThanOrEqual(3)
    const settings = await stack.ask<{ uplinkState: { state: string; host?: string } }>('get-settings', null)
    expect(settings.uplinkState).toMatchObject({ state: 'connected' })
    await page.close()
  })
})

crossScenarios(() => stack, { onlyLong: true })
