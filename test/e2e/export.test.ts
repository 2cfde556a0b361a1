// The ledger's export from the options page, against the real extension: a ledger of many pages
// (more rows than one page of the worker's) comes out whole, once each row, as CSV and as JSON; the
// JSON is the worker's own rows; and the page it was paid from went on being paid while it exported.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXPORT_PAGE_ROWS, type LedgerFile } from '../../src/shared/ledger-file.ts'
import { offeredFile } from './downloads.ts'
import { startStack, waitFor, type Stack } from './stack.ts'

let stack: Stack
beforeAll(async () => { stack = await startStack() })
afterAll(async () => { await stack?.stop() })

const SEEDED = 2 * EXPORT_PAGE_ROWS + 500

describe('the ledger export', () => {
  it('exports a ledger of several pages whole, as CSV and JSON, while a page is being paid', async () => {
    const options = await stack.browser.openExtensionPage('src/options/index.html')
    // Rows of an old history, written straight into the extension's ledger (last year: no budget is touched).
    await options.evaluate(async (count) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const r = indexedDB.open('trickle')
        r.onsuccess = () => { resolve(r.result) }
        r.onerror = () => { reject(r.error ?? new Error('open failed')) }
      })
      const tx = db.transaction('days', 'readwrite')
      for (let i = 0; i < count; i++) {
        const day = `2025-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`
        const site = `https://old-${i}.example`
        const receiver = 'https://wallet.example/old'
        tx.objectStore('days').put({
          id: JSON.stringify([day, site, receiver, 'USD/9', 'USD/6']), v: 1, day, site, receiver,
          source: { code: 'USD', scale: 9 }, destination: { code: 'USD', scale: 6 }, sent: String(1000 + i), delivered: '1', unconfirmed: '0', ms: 1000, packets: 1,
        })
      }
      await new Promise<void>((resolve, reject) => { tx.oncomplete = () => { resolve() }; tx.onerror = () => { reject(tx.error ?? new Error('write failed')) } })
      db.close()
    }, SEEDED)
    const name = 'export-paid'
    const account = stack.net.receiver.account(name)
    const paid = await stack.openWindow(stack.net.site.pageFor('link', name))
    await waitFor('first payment', () => (account.packets.length > 0 ? true : undefined))

    await options.bringToFront()
    const json = JSON.parse(await offeredFile(options, 'Export history (JSON)')) as LedgerFile
    const csv = await offeredFile(options, 'Export history (CSV)')
    const rows = await stack.ledgerRows()

    expect(json.rows.filter((r) => r.site.startsWith('https://old-')).length).toBe(SEEDED)
    expect(json.rows.some((r) => r.receiver.endsWith(`/${name}`))).toBe(true)
    const key = (r: { day: string; site: string; receiver: string }): string => `${r.day} ${r.site} ${r.receiver}`
    expect(new Set(json.rows.map(key)).size).toBe(json.rows.length) // each row once
    // The file is the worker's rows (the paid page's row may have grown between the two reads).
    expect(json.rows.filter((r) => !r.receiver.endsWith(`/${name}`))).toEqual(rows.filter((r) => !r.receiver.endsWith(`/${name}`)))
    expect(csv.split('\r\n').filter((l) => l !== '').length).toBe(1 + json.rows.length)
    expect(csv.startsWith('day,site,receiver,')).toBe(true)
    // Payment went on meanwhile.
    const before = account.packets.length
    await waitFor('payment after the exports', () => (account.packets.length > before ? true : undefined))
    await paid.close()
    await options.close()
  })
})
