// The worker may be killed at any moment. Killed mid-stream (CDP), it must come back, resume paying
// the visible page, and never pay twice for the same seconds: checked against the receiver's total.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { measuredRate, sleep, startStack, waitFor, type Stack } from './stack.ts'

const RECEIVED_PER_MS = 0.1 // 0.36 USD/hour at USD scale 6
let stack: Stack
beforeAll(async () => { stack = await startStack() })
afterAll(async () => { await stack?.stop() })

describe('a killed worker', () => {
  it('resumes paying the visible page with no double pay', async () => {
    const name = 'restart'
    const account = stack.net.receiver.account(name)
    const page = await stack.browser.context.newPage()
    const loadStart = Date.now()
    await page.goto(stack.net.site.pageFor('meta', name))
    await waitFor('first payment', () => (account.packets.length > 0 ? true : undefined))
    await sleep(3000)

    const killedAt = Date.now()
    await stack.browser.killWorker()
    const packetsBeforeKill = account.packets.filter((p) => p.at <= killedAt).length

    // The page's port broke; the content script reconnects, which starts a new worker that finds
    // the visit in storage. (Playwright reports the old worker's end late, so ask the new one.)
    await waitFor('payments after the restart', () => (account.packets.some((p) => p.at > killedAt + 200) ? true : undefined), 10_000)
    const resumedFrom = account.packets.findIndex((p) => p.at > killedAt + 200)
    await sleep(5500)
    const end = Date.now()

    const log = await waitFor('the new worker\'s log', async () => {
      const text = await (await stack.browser.worker()).evaluate(() => (globalThis as { __trickleLog?: string[] }).__trickleLog?.join('\n') ?? '').catch(() => '')
      return /resuming/.test(text) ? text : undefined
    })
    expect(log).toMatch(/restored 1 visit/)

    // Never more than visible time × rate, plus the one leading second: a double pay after the
    // restart would add the 3+ seconds already paid on top.
    const total = Number(account.total)
    const ceiling = (end - loadStart + 1000) * RECEIVED_PER_MS + account.packets.length
    expect(total).toBeLessThanOrEqual(ceiling)
    // And the restart lost at most about a second (the chunk that may have been in flight).
    expect(total).toBeGreaterThan((end - loadStart - 2500) * RECEIVED_PER_MS)
    expect(packetsBeforeKill).toBeGreaterThanOrEqual(3)

    // After the restart, the rate is the configured one again (±5 % over 5+ s).
    const { perSecond, spanMs } = measuredRate(account.packets.slice(resumedFrom))
    expect(spanMs).toBeGreaterThanOrEqual(4000)
    expect(perSecond).toBeGreaterThan(100 * 0.95)
    expect(perSecond).toBeLessThan(100 * 1.05)
    await page.close()
  })
})
