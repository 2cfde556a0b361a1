// The site-owner toolkit end to end: the tester page in Chromium, with the user's uplink, against the
// sandbox's receivers; and the command line against the same network. The receiver's own totals judge.
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LedgerFile } from '../../src/shared/ledger-file.ts'
import type { Overview } from '../../src/shared/messages.ts'
import { sleep, startStack, waitFor, type Stack } from './stack.ts'

interface Logged { type: string; detail?: { amount?: string }; amount?: string | null }
const pageLog = (page: import('playwright-core').Page): Promise<Logged[]> =>
  page.evaluate(() => (window as unknown as { __wmEvents: Logged[] }).__wmEvents)

let stack: Stack
beforeAll(async () => { stack = await startStack() })
afterAll(async () => { await stack?.stop() })

async function runTester(pointer: string) {
  const page = await stack.browser.openExtensionPage(`src/tester/index.html?pointer=${encodeURIComponent(pointer)}`)
  await page.getByRole('button', { name: 'Test' }).click()
  const verdict = await page.getByRole('status').filter({ hasText: /Payable|Not payable/ }).innerText({ timeout: 20_000 })
  return { page, verdict }
}

describe('the pointer tester page', () => {
  it('pays a good receiver a second\'s worth, and the amount delivered is what the receiver got', async () => {
    const name = 'tester-good'
    const account = stack.net.receiver.account(name)
    const before = account.total
    const { page, verdict } = await runTester(`${stack.net.receiver.spspBase}/${name}`)
    expect(verdict).toMatch(/^Payable/)
    const delivered = await page.getByTestId('delivered').innerText()
    expect(account.total - before).toBe(100n) // one second at 0.36/hour, in USD scale 6
    expect(delivered).toMatch(/0\.0001/)
    expect(await page.locator('tr[data-ok="true"]').count()).toBe(9)
    // Counted in the budget and the history like any payment.
    const o = await stack.ask<Overview>('get-overview', { tabId: null })
    expect(o.topSites.find((t) => t.site === 'trickle:tester')?.sent.value).toBe('100000')
    expect(await page.getByLabel('Report text').innerText()).toMatch(/result: payable/)
    await page.close()
  })

  it.each([
    ['a receiver that is not there (404)', 'gone/tester-404', 'http', /404/],
    ['a receiver that rejects every packet', 'refuse-tester', 'payment', /did not accept/],
  ])('names the failing step for %s', async (_what, path, step, detail) => {
    const { page, verdict } = await runTester(`${stack.net.receiver.spspBase}/${path}`)
    expect(verdict).toMatch(/^Not payable/)
    const row = page.locator(`tr[data-step="${step}"]`)
    expect(await row.getAttribute('data-ok')).toBe('false')
    expect(await row.innerText()).toMatch(detail)
    expect(await row.innerText()).toMatch(/Fix:/)
    await page.close()
  })

  it('is offered from the popup of a monetized page, pre-filled with its pointer', async () => {
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.pageFor('meta', 'tester-prefill'))
    const status = await stack.status(page)
    if (status.kind !== 'monetized') throw new Error(`not monetized: ${status.kind}`)
    const popup = await stack.openPopup(page)
    const href = await popup.getByRole('link', { name: 'Test this page\'s pointer' }).getAttribute('href')
    expect(href).toBe(`chrome-extension://${stack.browser.extensionId}/src/tester/index.html?pointer=${encodeURIComponent(status.input)}`)
    await popup.close()
    await page.close()
  })
})

describe('the event view', () => {
  it('lists the tags, frames and every event the page logged itself', async () => {
    const name = 'event-view'
    const page = await stack.openWindow(stack.net.site.loggerPage('link', name))
    await waitFor('three payments', () => (stack.net.receiver.account(name).packets.length >= 3 ? true : undefined))
    // Pause everything so the page's log and the view can be compared at rest.
    await stack.ask('set-paused', { paused: true })
    await waitFor('the stop', async () => ((await pageLog(page)).some((e) => e.type === 'monetizationstop') ? true : undefined))
    await sleep(500)
    const view = await stack.browser.openExtensionPage(`src/events/index.html?tab=${await stack.tabId(page)}`)
    await view.getByRole('table', { name: 'Events' }).waitFor()
    await sleep(1200) // one refresh
    const logged = await pageLog(page)
    const shown = await view.locator('table[aria-label="Events"] tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-type')))
    expect(shown).toEqual(logged.map((e) => e.type.replace(/^link-/, '')))
    const progress = await view.locator('tr[data-type="monetizationprogress"]').allInnerTexts()
    const amounts = logged.filter((e) => e.type === 'monetizationprogress').map((e) => e.detail?.amount)
    expect(progress.map((t) => /amount=(\d+)/.exec(t)?.[1])).toEqual(amounts)
    expect(await view.locator('table[aria-label="Tags"] tr[data-verdict="paid"]').count()).toBe(1)
    expect(await view.getByRole('table', { name: 'Frames' }).innerText()).toMatch(/allowed/)
    await stack.ask('set-paused', { paused: false })
    await view.close()
    await page.close()
  })
})

describe('simulator mode', () => {
  it('fires the page\'s events with simulated amounts and moves no money', async () => {
    const name = 'simulated'
    const url = stack.net.site.loggerPage('link', name)
    const site = new URL(url).origin
    await stack.ask('set-site', { site, rules: { ratePerHour: null, cap: null, paused: false, never: false, simulate: true } })
    const spentBefore = (await stack.ask<Overview>('get-overview', { tabId: null })).budget.spent?.value
    const page = await stack.openWindow(url)
    await waitFor('three simulated payments', async () => ((await pageLog(page)).filter((e) => e.type === 'monetizationprogress').length >= 3 ? true : undefined))
    const account = stack.net.receiver.account(name)
    expect(account.total).toBe(0n)
    expect(account.spspQueries).toBe(0)
    expect(account.connections).toBe(0)
    expect(await stack.popupText(page)).toMatch(/Simulation \(no money moves\)/)
    expect((await stack.ask<Overview>('get-overview', { tabId: null })).budget.spent?.value).toBe(spentBefore)
    const ledger = ({ rows: await stack.ledgerRows() }) satisfies Pick<LedgerFile, 'rows'>
    expect(ledger.rows.filter((r) => r.receiver.endsWith(`/${name}`))).toEqual([])
    await page.close()
    await stack.ask('set-site', { site, rules: { ratePerHour: null, cap: null, paused: false, never: false, simulate: false } })
  })
})

describe('npm run check-pointer', () => {
  const cli = (...args: string[]) => new Promise<{ code: number | null; out: string }>((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, '../../src/cli/check-pointer.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { out += d.toString() })
    child.on('close', (code) => done({ code, out }))
  })

  it('pays through --uplink and exits 0; the receiver got the amount', async () => {
    const name = 'cli-good'
    const account = stack.net.receiver.account(name)
    const { code, out } = await cli(`${stack.net.receiver.spspBase}/${name}`, '--uplink', stack.net.uplinkUrl, '--amount', '0.0002')
    expect(out).toMatch(/result: payable/)
    expect(code).toBe(0)
    expect(account.total).toBe(200n)
    expect(out).toMatch(/exchange rate seen: 1\.00000/)
  })

  it.each([
    ['gone/cli-404', /fails at http/],
    ['refuse-cli', /fails at payment/],
  ])('exits 1 at the failing step: %s', async (path, message) => {
    const { code, out } = await cli(`${stack.net.receiver.spspBase}/${path}`, '--uplink', stack.net.uplinkUrl, '--timeout', '3000')
    expect(out).toMatch(message)
    expect(code).toBe(1)
  })

  it('exits 1 at the stream step when the uplink is dead', async () => {
    const { code, out } = await cli(`${stack.net.receiver.spspBase}/cli-dead`, '--uplink', 'btp+ws://:x@127.0.0.1:1', '--timeout', '2000')
    expect(out).toMatch(/fails at stream/)
    expect(code).toBe(1)
  })
})
