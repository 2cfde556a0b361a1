// Iframes: a cross-origin frame is paid only when its allow attribute grants monetization, nested
// frames only when every frame on the way allows it. Amounts read from the receivers' own records.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { sleep, startStack, waitFor, type Stack } from './stack.ts'

let stack: Stack
beforeAll(async () => { stack = await startStack() })
afterAll(async () => { await stack?.stop() })

const paid = (name: string): boolean => stack.net.receiver.account(name).total > 0n

describe('iframes', () => {
  it.each<[string, string | null, boolean]>([
    ['allow="monetization"', 'monetization', true],
    ['allow="monetization; autoplay"', 'monetization; autoplay', true],
    ['allow="autoplay"', 'autoplay', false],
    ['no allow attribute', null, false],
  ])('a cross-origin iframe with %s is paid: %s', async (_label, allow, expected) => {
    const name = `frame-${(allow ?? 'none').replace(/[^a-z]/g, '')}`
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.framesPage(name, allow))
    if (expected) {
      await waitFor('the child to be paid', () => (paid(`${name}-child`) ? true : undefined), 10_000)
    } else {
      await sleep(3000)
      expect(paid(`${name}-child`)).toBe(false)
      expect(stack.net.receiver.account(`${name}-child`).spspQueries).toBe(0)
    }
    await page.close()
  })

  it('a nested frame is paid when every frame on the way allows it, and not otherwise', async () => {
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.framesPage('nested-yes', 'monetization', true))
    await waitFor('the grandchild to be paid', () => (paid('nested-yes-grandchild') ? true : undefined), 10_000)
    // Both frames share the tab's one rate.
    expect(paid('nested-yes-child')).toBe(true)
    await page.close()

    const blocked = await stack.browser.context.newPage()
    await blocked.goto(stack.net.site.framesPage('nested-no', 'autoplay', true))
    await sleep(3000)
    expect(paid('nested-no-child')).toBe(false)
    expect(paid('nested-no-grandchild')).toBe(false)
    await blocked.close()
  })
})
