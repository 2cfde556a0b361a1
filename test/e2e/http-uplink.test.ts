// The ILP-over-HTTP uplink end to end: the built extension in Chromium, set up through its options page
// with the sandbox connector's ILP-over-HTTP account (ilp-plugin-http, a bearer token), paying the
// sandbox's real receivers. Every amount is read from the receiver's own records.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SettingsView, Overview } from '../../src/shared/messages.ts'
import { toDecimalString } from '../../src/shared/money.ts'
import { freePort } from '../sandbox/ports.ts'
import { measuredRate, settled, sleep, startStack, waitFor, type Stack } from './stack.ts'

// USD scale 9 → USD scale 6 one-to-one: the default 0.36 USD/hour is 100 received units a second.
const RECEIVED_PER_SECOND = 100
const RECEIVED_PER_MS = 0.1
const UNIT = 1000n

let stack: Stack
beforeAll(async () => { stack = await startStack({ uplink: 'http' }) })
afterAll(async () => { await stack?.stop() })

const settings = () => stack.ask<SettingsView>('get-settings', null)
const overview = () => stack.ask<Overview>('get-overview', { tabId: null })

async function openPaying(kind: 'meta' | 'link', name: string): Promise<Page> {
  const page = await stack.browser.context.newPage()
  await page.goto(stack.net.site.pageFor(kind, name))
  await waitFor(`first payment to ${name}`, () => (stack.net.receiver.account(name).packets.length > 0 ? true : undefined))
  return page
}

describe('paying through an ILP-over-HTTP uplink', () => {
  it('is set up as ILP over HTTP: the options page says so, the peer\'s account is shown, the token is not', async () => {
    const view = await settings()
    // The HTTP account's own ILDCP address: the payments below go through it, not the BTP account.
    expect(view.uplinkState).toMatchObject({ state: 'connected', address: 'test.trickle.wallet-http', asset: { code: 'USD', scale: 9 } })
    expect(view.uplink).toEqual({ display: stack.net.httpUplink.endpoint.replace(/\/$/, '') })
    expect(JSON.stringify(view)).not.toContain(stack.net.httpUplink.token)
    const status = await stack.control.getByLabel('Uplink status').innerText()
    expect(status).toMatch(/Connected to 127\.0\.0\.1:\d+ over ILP over HTTP: USD, scale 9, address test\.trickle\.wallet-http/)
    // The token field is write-only: empty after saving, and not there at all until an endpoint is typed.
    expect(await stack.control.getByLabel('Bearer token').count()).toBe(0)
  })

  it('pays a <meta> page at the default rate (±5 % over more than 5 s)', async () => {
    const page = await openPaying('meta', 'http-meta')
    await sleep(6500)
    const packets = stack.net.receiver.account('http-meta').packets
    const { perSecond, spanMs } = measuredRate(packets)
    expect(spanMs).toBeGreaterThanOrEqual(5000)
    expect(perSecond).toBeGreaterThan(RECEIVED_PER_SECOND * 0.95)
    expect(perSecond).toBeLessThan(RECEIVED_PER_SECOND * 1.05)
    for (let i = 1; i < packets.length; i++) expect((packets[i]?.at ?? 0) - (packets[i - 1]?.at ?? 0)).toBeGreaterThan(900)
    expect(await stack.status(page)).toMatchObject({ kind: 'monetized', phase: 'paying' })
    await page.close()
  })

  it('pays a <link> page at 0.72/hour (±5 % over more than 5 s)', async () => {
    await stack.configure({ ratePerHour: '0.72' })
    try {
      const page = await openPaying('link', 'http-link')
      await sleep(6500)
      const { perSecond, spanMs } = measuredRate(stack.net.receiver.account('http-link').packets)
      expect(spanMs).toBeGreaterThanOrEqual(5000)
      expect(perSecond).toBeGreaterThan(2 * RECEIVED_PER_SECOND * 0.95)
      expect(perSecond).toBeLessThan(2 * RECEIVED_PER_SECOND * 1.05)
      expect(await stack.popupText(page)).toContain('Paying')
      await page.close()
    } finally {
      await stack.configure({ ratePerHour: '0.36' })
    }
  })

  it('stops exactly at the budget', async () => {
    const name = 'http-budget'
    const o0 = await overview()
    const usedBefore = BigInt(o0.budget.spent?.value ?? '0') + BigInt(o0.budget.held?.value ?? '0')
    await stack.configure({ budget: toDecimalString(usedBefore + 500n * UNIT, 9) }) // five seconds' worth
    try {
      const page = await stack.openWindow(stack.net.site.pageFor('link', name))
      const total = await settled(stack, name)
      const o = await overview()
      expect(o.budget.spent?.value).toBe(o.budget.amount?.value)
      expect(o.budget.remaining?.value).toBe('0')
      // The first packet may lose its sub-unit dust at the connector: one unit less, never more.
      expect(total).toBeLessThanOrEqual(500n)
      expect(total).toBeGreaterThanOrEqual(499n)
      expect(await stack.popupText(page)).toMatch(/Stopped at your limit/)
      await page.close()
    } finally {
      await stack.configure({ budget: '1000' })
    }
  })

  it('a killed worker resumes paying with no double pay', async () => {
    const name = 'http-restart'
    const account = stack.net.receiver.account(name)
    const page = await stack.browser.context.newPage()
    const loadStart = Date.now()
    await page.goto(stack.net.site.pageFor('meta', name))
    await waitFor('first payment', () => (account.packets.length > 0 ? true : undefined))
    await sleep(3000)
    const killedAt = Date.now()
    await stack.browser.killWorker()
    await waitFor('payments after the restart', () => (account.packets.some((p) => p.at > killedAt + 200) ? true : undefined), 10_000)
    const resumedFrom = account.packets.findIndex((p) => p.at > killedAt + 200)
    await sleep(5500)
    const end = Date.now()
    // Visible time × rate plus the one leading second, at most: a double pay would add the 3+ s again.
    const total = Number(account.total)
    expect(total).toBeLessThanOrEqual((end - loadStart + 1000) * RECEIVED_PER_MS + account.packets.length)
    expect(total).toBeGreaterThan((end - loadStart - 2500) * RECEIVED_PER_MS)
    const { perSecond, spanMs } = measuredRate(account.packets.slice(resumedFrom))
    expect(spanMs).toBeGreaterThanOrEqual(4000)
    expect(perSecond).toBeGreaterThan(RECEIVED_PER_SECOND * 0.95)
    expect(perSecond).toBeLessThan(RECEIVED_PER_SECOND * 1.05)
    await page.close()
  })

  it('a dead HTTP peer and a refused token are reported in the options and the popup; fixing it pays', async () => {
    const dead = `http://127.0.0.1:${await freePort()}/`
    await stack.configure({ uplinkUrl: dead, httpToken: stack.net.httpUplink.token })
    await stack.control.getByLabel('Uplink status').filter({ hasText: 'Uplink failed' }).waitFor({ timeout: 20_000 })
    expect(await stack.control.getByLabel('Uplink status').innerText()).toMatch(/Could not connect to the uplink: the peer could not be reached/)

    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.pageFor('meta', 'http-dead'))
    const status = await waitFor('a retrying visit', async () => {
      const s = await stack.status(page)
      return s.kind === 'monetized' && s.phase === 'retrying' ? s : undefined
    }, 20_000)
    expect(status.kind === 'monetized' ? status.reason : '').toMatch(/uplink/i)
    // The popup names the uplink and why (the visit meanwhile cycles between retrying and trying again).
    expect(await stack.popupText(page)).toMatch(/Uplink 127\.0\.0\.1:\d+: failed\. Could not connect to the uplink: the peer could not be reached/)

    await stack.configure({ uplinkUrl: stack.net.httpUplink.endpoint, httpToken: 'not-the-token' })
    await stack.control.getByLabel('Uplink status').filter({ hasText: 'refused the token (HTTP 401)' }).waitFor({ timeout: 20_000 })
    expect(stack.net.receiver.account('http-dead').total).toBe(0n)

    await stack.configure({ uplinkUrl: stack.net.httpUplink.endpoint, httpToken: stack.net.httpUplink.token })
    await page.bringToFront()
    await waitFor('payment after the fix', () => (stack.net.receiver.account('http-dead').total > 0n ? true : undefined), 15_000)
    await page.close()
  })
})
