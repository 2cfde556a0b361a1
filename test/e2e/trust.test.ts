// The trust boundary, as far as this round goes: Trickle's own content script (the world a
// compromised renderer could speak for) can neither read nor write storage.local, where the uplink's
// secret and the budget live. Checked in Chromium itself, from the content script's isolated world.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startStack, waitFor, type Stack } from './stack.ts'

let stack: Stack
beforeAll(async () => { stack = await startStack() })
afterAll(async () => { await stack?.stop() })

describe('storage.local from a content script', () => {
  it('refuses to read the settings (and the uplink\'s secret) or to write them', async () => {
    const page = await stack.browser.context.newPage()
    const cdp = await stack.browser.context.newCDPSession(page)
    const worlds: { id: number; origin: string; name: string }[] = []
    cdp.on('Runtime.executionContextCreated', (e: { context: { id: number; origin: string; name: string } }) => { worlds.push(e.context) })
    await cdp.send('Runtime.enable')
    await page.goto(stack.net.site.pageFor('link', 'trust'))
    await waitFor('payment', () => (stack.net.receiver.account('trust').packets.length > 0 ? true : undefined))
    const world = worlds.find((w) => w.origin === `chrome-extension://${stack.browser.extensionId}`)
    expect(world, 'Trickle\'s content-script world').toBeDefined()
    const run = async (expression: string): Promise<string> => {
      const r = await cdp.send('Runtime.evaluate', { contextId: world?.id, expression, awaitPromise: true, returnByValue: true }) as { result: { value?: unknown }; exceptionDetails?: { exception?: { description?: string } } }
      return r.exceptionDetails !== undefined ? `threw: ${r.exceptionDetails.exception?.description ?? ''}` : `value: ${JSON.stringify(r.result.value)}`
    }
    const read = await run('chrome.storage.local.get("settings").then((v) => JSON.stringify(v))')
    const write = await run('chrome.storage.local.set({ settings: { ratePerHour: "10" } }).then(() => "written")')
    console.log(`content script: read ${read.slice(0, 120)}; write ${write.slice(0, 120)}`)
    expect(read).toMatch(/^threw/)
    expect(read).not.toContain('sandbox-wallet-token')
    expect(write).toMatch(/^threw/)
    // The worker still has its settings (the uplink pays on).
    const before = stack.net.receiver.account('trust').packets.length
    await waitFor('more payments', () => (stack.net.receiver.account('trust').packets.length > before ? true : undefined))
    await page.close()
  })
})
