// The toolbar button of a real tab follows its page: paying, then paused while another tab is in front,
// then stopped at a tiny budget; a page without a tag is left alone (the default button, the worker not told). Read back from the
// browser itself (chrome.action.getBadgeText / getTitle for the tab, in an extension page of the built
// extension), which holds what the worker set; the worker's own status is asked beside it. The
// manifest asks no permission for this (test/cross/surface.ts checks the permissions it has).
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Overview } from '../../src/shared/messages.ts'
import { toDecimalString } from '../../src/shared/money.ts'
import { sleep, startStack, waitFor, type Stack } from './stack.ts'

const UNIT = 1000n // USD scale 9 (the uplink) per USD scale 6 (the receiver)
let stack: Stack
beforeAll(async () => { stack = await startStack() })
afterAll(async () => { await stack?.stop() })

interface Button { text: string; title: string }

/** What the browser shows on Trickle's button for the tab with id `tabId`. */
const buttonOf = (tabId: number): Promise<Button> => stack.control.evaluate(async (id) => ({
  text: await chrome.action.getBadgeText({ tabId: id }),
  title: await chrome.action.getTitle({ tabId: id }),
}), tabId)

/** Waits until the tab's button shows `expected`, and returns it. */
async function buttonBecomes(tabId: number, expected: Button, what: string): Promise<Button> {
  let last: Button | undefined
  try {
    return await waitFor(what, async () => {
      last = await buttonOf(tabId)
      return last.text === expected.text && last.title === expected.title ? last : undefined
    }, 15_000)
  } catch (e) {
    throw new Error(`${String(e)}; the button last showed ${JSON.stringify(last)}`)
  }
}

const used = async (): Promise<bigint> => {
  const o = await stack.ask<Overview>('get-overview', { tabId: null })
  return BigInt(o.budget.spent?.value ?? '0') + BigInt(o.budget.held?.value ?? '0')
}

describe('the toolbar button', () => {
  it('says paying, then paused while another tab is in front, then stopped at the budget', async () => {
    const name = 'badge-states'
    const page: Page = await stack.openWindow(stack.net.site.pageFor('link', name))
    const tabId = await stack.tabId(page)
    const host = new URL(stack.net.receiver.spspBase).host
    const account = stack.net.receiver.account(name)

    await waitFor('first payment', () => (account.total > 0n ? true : undefined))
    await buttonBecomes(tabId, { text: 'ON', title: `Trickle is paying ${host}.` }, 'the paying badge')
    expect(await stack.status(page)).toMatchObject({ kind: 'monetized', phase: 'paying' })

    // Another tab in front of the same window: the page is hidden, its button says so in words.
    const windowId = await stack.control.evaluate(async (id) => (await chrome.tabs.get(id)).windowId, tabId)
    const otherId = await stack.control.evaluate(async ([w, url]) => (await chrome.tabs.create({ windowId: w, url, active: true })).id ?? -1, [windowId, `${stack.net.site.base}/plain`] as const)
    await waitFor('the page to be hidden', async () => ((await page.evaluate(() => document.visibilityState)) === 'hidden' ? true : undefined))
    await buttonBecomes(tabId, { text: 'II', title: 'Trickle paused: this page is not in view.' }, 'the paused badge')
    expect(await stack.status(page)).toMatchObject({ phase: 'paused' })
    // The tab in front has no tag: its own button stays the browser's default one, with no badge.
    expect(await buttonOf(otherId)).toMatchObject({ text: '', title: 'Trickle' })

    // Back in front, paying again; then a budget three seconds from used up.
    await stack.control.evaluate(async (id) => { await chrome.tabs.update(id, { active: true }) }, tabId)
    await buttonBecomes(tabId, { text: 'ON', title: `Trickle is paying ${host}.` }, 'the paying badge again')
    await stack.configure({ budget: toDecimalString((await used()) + 300n * UNIT, 9) })
    await buttonBecomes(tabId, { text: 'MAX', title: 'Trickle stopped: your budget for this period is used up.' }, 'the limit badge')
    expect(await stack.status(page)).toMatchObject({ phase: 'limit' })
    const o = await stack.ask<Overview>('get-overview', { tabId: null })
    expect(o.budget.remaining?.value).toBe('0')

    // Every call went through: the icon too, which the browser does not give back.
    const worker = await stack.browser.worker()
    const log = await worker.evaluate(() => (globalThis as { __trickleLog?: string[] }).__trickleLog ?? [])
    expect(log.some((line) => /tab \d+: paying/.test(line))).toBe(true) // the log is the worker's, and read
    expect(log.filter((line) => line.includes('toolbar'))).toEqual([])
    await stack.configure({ budget: toDecimalString((await used()) + 1_000_000n * UNIT, 9) })
    await stack.control.evaluate(async (id) => { await chrome.tabs.remove(id) }, otherId)
    await page.close()
  })

  it('leaves a page without a tag alone: no badge, the worker not told of it, and the popup says not monetized', async () => {
    const page = await stack.openWindow(`${stack.net.site.base}/plain`)
    const tabId = await stack.tabId(page)
    await page.waitForLoadState('load')
    await sleep(1000)
    // The page never connected: the worker knows no frame of it (the event view's list is empty).
    const events = await stack.ask<{ frames: unknown[] }>('get-tab-events', { tabId })
    expect(events.frames).toEqual([])
    expect(await buttonOf(tabId)).toMatchObject({ text: '', title: 'Trickle' })
    // Asked about the tab, the worker asks the page's content script, which is there.
    expect(await stack.status(page)).toEqual({ kind: 'not-monetized' })
    // A tag added later wakes it: the button follows from then on.
    await page.evaluate((href) => { const l = document.createElement('link'); l.rel = 'monetization'; l.href = href; document.head.append(l) }, `${stack.net.receiver.spspBase}/badge-late`)
    await buttonBecomes(tabId, { text: 'ON', title: `Trickle is paying ${new URL(stack.net.receiver.spspBase).host}.` }, 'the paying badge of a late tag')
    await page.close()
  })
})
