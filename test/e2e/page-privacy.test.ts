// The page learns nothing about Trickle beyond the Web Monetization API: a page that replaces the
// built-ins the page script uses, and reads every stack it can (Error().stack, CallSites through
// Error.prepareStackTrace, error events), never sees the extension's URL or id, and still gets its events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sleep, startStack, waitFor, type Stack } from './stack.ts'

let stack: Stack
beforeAll(async () => { stack = await startStack() })
afterAll(async () => { await stack?.stop() })

interface Counts { monetization: number; onmonetization: number; attribute: number; progress: number; start: number; load: number }

describe('a hostile page', () => {
  it('sees no extension URL in any stack, and still gets every event', async () => {
    const name = 'privacy'
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.privacyPage(name))
    await waitFor('three payments', () => (stack.net.receiver.account(name).packets.length >= 3 ? true : undefined))
    await sleep(500)
    const id = stack.browser.extensionId
    // Sifted in the page (what it saw is large), with no built-in it replaced.
    const seen = await page.evaluate((extensionId) => {
      const w = window as unknown as { __traces: string[]; __traced: number; __wmCounts: Counts }
      const keep = (prefix: string) => w.__traces.filter((t) => t.startsWith(prefix)).map((t) => t.slice(0, 2000))
      return {
        traced: w.__traced,
        kept: w.__traces.length,
        counts: w.__wmCounts,
        leakCount: w.__traces.filter((t) => t.includes('chrome-extension') || t.includes(extensionId)).length,
        leaks: w.__traces.filter((t) => t.includes('chrome-extension') || t.includes(extensionId)).slice(0, 50).map((t) => t.slice(0, 2000)),
        listenerTraces: keep('monetization listener').length,
        errorEvents: keep('error event'),
        thrown: keep('supports threw'),
      }
    }, id)
    const { counts, leaks } = seen
    console.log(`traced ${seen.traced} times (${seen.kept} kept), leaking ${seen.leakCount}; events ${JSON.stringify(counts)}`)
    for (const l of leaks.slice(0, 5)) console.log(`leak: ${l.replaceAll(id, '<id>').slice(0, 300)}`)

    // Not vacuous: events arrived, the listeners ran and traced, and so did the page's own throws.
    const packets = stack.net.receiver.account(name).packets.length
    expect(counts.monetization).toBeGreaterThanOrEqual(3)
    expect(counts.monetization).toBeLessThanOrEqual(packets)
    expect(counts.onmonetization).toBe(counts.monetization)
    expect(counts.attribute).toBe(counts.monetization)
    expect(counts.progress).toBe(counts.monetization)
    expect([counts.start, counts.load]).toEqual([1, 1])
    expect(seen.listenerTraces).toBe(counts.monetization)
    expect(seen.thrown.length).toBe(1)
    expect(seen.errorEvents.some((t) => t.includes('a listener of the page throws'))).toBe(true)
    expect(seen.errorEvents.some((t) => t.includes('no supported tokens'))).toBe(true)

    expect(leaks.map((l) => l.replaceAll(id, '<id>').slice(0, 300))).toEqual([])
    await page.close()
  })
})
