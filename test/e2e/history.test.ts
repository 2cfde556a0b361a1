// The history page, against the real extension paying the real local network: what the statement
// says arrived is what the receiver's own records say; the sent figures are the ledger's and add up
// to the page's total; the CSV and JSON exports are the table on screen; `?site=` shows that site.
import { offeredFile as download } from './downloads.ts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { formatAmount, toDecimalString } from '../../src/shared/money.ts'
import { settled, sleep, startStack, waitFor, type Stack } from './stack.ts'

let stack: Stack
beforeAll(async () => { stack = await startStack() })
afterAll(async () => { await stack?.stop() })

const localhost = (url: string): string => url.replace('http://127.0.0.1:', 'http://localhost:')


async function pay(url: string, name: string, ms: number): Promise<void> {
  const page = await stack.openWindow(url)
  await waitFor(`first payment to ${name}`, () => (stack.net.receiver.account(name).packets.length > 0 ? true : undefined))
  await sleep(ms)
  await page.close()
}

/** The CSV as rows of cells (the test's own small reader: no quoted cells are expected here). */
const csvRows = (text: string): string[][] => text.trimEnd().split('\r\n').map((l) => l.split(','))


describe('the history page', () => {
  const a = { name: 'hist-a', url: '' }
  const b = { name: 'hist-b', url: '' }
  let siteA = ''
  let siteB = ''

  beforeAll(async () => {
    a.url = stack.net.site.pageFor('link', a.name)
    b.url = localhost(stack.net.site.pageFor('link', b.name))
    siteA = new URL(a.url).origin
    siteB = new URL(b.url).origin
    await pay(a.url, a.name, 3000)
    await pay(b.url, b.name, 4000)
    await settled(stack, a.name)
    await settled(stack, b.name)
  })

  it('the statement shows what each receiver says arrived, and the ledger\'s sent figures add up to its total', async () => {
    const page = await stack.browser.openExtensionPage('src/history/index.html')
    const table = page.locator('table#statement')
    await table.locator(`tr[data-site="${siteB}"]`).waitFor({ timeout: 10_000 })
    const lang = await page.evaluate(() => document.documentElement.lang)
    expect(lang).not.toBe('')
    const scale = stack.net.receiver.assetScale
    const code = stack.net.receiver.assetCode
    for (const [site, name] of [[siteA, a.name], [siteB, b.name]] as const) {
      const received = stack.net.receiver.account(name).total
      expect(received).toBeGreaterThan(0n)
      const cells = await table.locator(`tr[data-site="${site}"]`).locator('td').allInnerTexts()
      expect(cells[1]).toBe(formatAmount({ value: received, code, scale }, lang))
    }
    // The ledger's own rows (its export), this period's: their sent adds up to the page's total.
    const ledger = { rows: await stack.ledgerRows() }
    const sent = ledger.rows.reduce((s, r) => s + BigInt(r.sent), 0n)
    expect(sent).toBeGreaterThan(0n)
    const total = await page.locator('#statement-total').innerText()
    expect(total).toContain(formatAmount({ value: sent, code: 'USD', scale: 9 }, lang))

    // The exports are the table: the same sites in the same order, the same amounts exactly.
    const shownSites = await table.locator('tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-site')))
    const shownSent = await table.locator('tbody tr td:nth-of-type(1)').allInnerTexts()
    const csv = csvRows(await download(page, 'Export this table (CSV)'))
    expect(csv[0]).toEqual(['site', 'sent', 'unconfirmed', 'asset', 'delivered', 'seconds', 'share_percent', 'cap'])
    expect(csv.slice(1).map((r) => r[0])).toEqual(shownSites)
    const json = JSON.parse(await download(page, 'Export this table (JSON)')) as Record<string, string | number>[]
    expect(json.map((r) => r.site)).toEqual(shownSites)
    json.forEach((r, i) => {
      const units = BigInt(String(r.sent).replace('.', ''))
      expect(formatAmount({ value: units, code: 'USD', scale: 9 }, lang)).toBe(shownSent[i])
      expect(csv[i + 1]?.[1]).toBe(r.sent)
      expect(csv[i + 1]?.[4]).toBe(r.delivered)
      // Each site's sent is the ledger's, and what arrived is the receiver's own total.
      const mine = ledger.rows.filter((l) => l.site === r.site)
      expect(r.sent).toBe(toDecimalString(mine.reduce((s, l) => s + BigInt(l.sent), 0n), 9))
      const name = r.site === siteA ? a.name : b.name
      expect(r.delivered).toBe(`${toDecimalString(stack.net.receiver.account(name).total, scale)} ${code}`)
    })
    const shares = json.reduce((s, r) => s + Number(r.share_percent), 0)
    expect(shares).toBeGreaterThan(99.99)
    expect(shares).toBeLessThan(100.01)
    // The chart is an image with a summary, and the forecast says something.
    expect(await page.locator('svg[role="img"]').getAttribute('aria-label')).toContain('All sites')
    expect(await page.locator('#forecast').innerText()).toMatch(/budget/)
    await page.close()
  })

  it('?site= shows that site\'s days, receivers and rules', async () => {
    const page = await stack.browser.openExtensionPage(`src/history/index.html?site=${encodeURIComponent(siteA)}`)
    const rows = page.locator('table#site-days tbody tr')
    await rows.first().waitFor({ timeout: 10_000 })
    expect(await page.locator('#site-receivers li').allInnerTexts()).toEqual([`${stack.net.receiver.spspBase}/${a.name}`])
    const lang = await page.evaluate(() => document.documentElement.lang)
    const json = JSON.parse(await download(page, 'Export this table (JSON)')) as Record<string, string | number>[]
    expect(json.length).toBe(await rows.count())
    const delivered = json.reduce((s, r) => s + BigInt(String(r.delivered).replace('.', '')), 0n)
    expect(delivered).toBe(stack.net.receiver.account(a.name).total)
    const shown = await rows.locator('td:nth-of-type(3)').allInnerTexts()
    expect(shown).toEqual(json.map((r) => formatAmount({ value: BigInt(String(r.delivered).replace('.', '')), code: stack.net.receiver.assetCode, scale: stack.net.receiver.assetScale }, lang)))
    // Its rules are edited in place, and the worker's refusal is shown.
    await page.getByLabel('Cap for this site, per period').fill('not a number')
    await page.getByRole('button', { name: 'Save rules' }).click()
    await page.getByRole('alert').waitFor({ timeout: 5000 })
    await page.getByLabel('Cap for this site, per period').fill('0.5')
    await page.getByRole('button', { name: 'Save rules' }).click()
    await page.getByRole('status').filter({ hasText: 'Rules saved.' }).waitFor({ timeout: 5000 })
    const settings = await stack.ask<{ sites: Record<string, { cap: string | null }> }>('get-settings', null)
    expect(settings.sites[siteA]?.cap).toBe('0.5')
    await page.close()
  })
})
