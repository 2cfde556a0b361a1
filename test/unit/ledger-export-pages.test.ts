// The ledger's export, a page at a time: the worker's pages cover every row once, in key order, and the
// page's builder writes the same bytes as one JSON.stringify of the whole file (and the same CSV).
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { Ledger } from '../../src/background/ledger/ledger.ts'
import { ledgerCsv, ledgerJson } from '../../src/background/ledger/ledger-export.ts'
import { EXPORT_PAGE_ROWS, LedgerFileBuilder, exportRowOf, type ExportRow } from '../../src/shared/ledger-file.ts'
import { entry, rowKey, USD6, USD9 } from './fixtures.ts'

const NOW = Date.UTC(2026, 10, 22, 12)
let n = 0

/** `count` rows written straight into a fresh ledger's store, as a long history leaves them. */
async function bigLedger(count: number): Promise<Ledger> {
  const l = new Ledger({ name: `export-pages-${++n}`, timeZone: 'UTC' })
  await l.record(entry({ at: NOW }), null) // opens (and creates) the database the usual way
  const db = await (l as unknown as { db(): Promise<{ transaction(s: string, m: string): { store: { put(v: unknown): Promise<unknown> }; done: Promise<void> } }> }).db()
  const tx = db.transaction('days', 'readwrite')
  for (let i = 0; i < count; i++) {
    const day = `2026-${String(1 + (i % 11)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`
    const site = `https://site-${i}.example`
    void tx.store.put({ id: rowKey(day, site, 'https://w.example/a'), v: 1, day, site, receiver: 'https://w.example/a', source: USD9, destination: USD6, sent: String(1000 + i), delivered: '1', unconfirmed: '0', ms: 1000, packets: 1 })
  }
  await tx.done
  return l
}

describe('the ledger export, page by page', () => {
  it('hands out every row once, in key order, a page at a time', async () => {
    const count = 2 * EXPORT_PAGE_ROWS + 321
    const l = await bigLedger(count)
    const pages: ExportRow[][] = []
    let after: string | null = null
    for (;;) {
      const page = await l.exportPage(after)
      pages.push(page.rows)
      if (page.next === null) break
      after = page.next
    }
    expect(pages.map((p) => p.length)).toEqual([EXPORT_PAGE_ROWS, EXPORT_PAGE_ROWS, count + 1 - 2 * EXPORT_PAGE_ROWS])
    const all = pages.flat()
    const keys = all.map((r) => rowKey(r.day, r.site, r.receiver))
    expect(new Set(keys).size).toBe(count + 1)
    expect([...keys].sort()).toEqual(keys)
    // No row carries its key: only the exported fields.
    expect(Object.keys(all[0] ?? {})).toEqual(['day', 'site', 'receiver', 'source', 'destination', 'sent', 'delivered', 'unconfirmed', 'ms', 'packets'])
    const sum = all.reduce((s, r) => s + BigInt(r.sent), 0n)
    expect(sum).toBe((await l.rows()).reduce((s, r) => s + BigInt(r.sent), 0n))
  })

  it('builds, from pages, the same file as the whole ledger at once', async () => {
    const l = await bigLedger(50)
    const rows = (await l.rows()).sort((a, b) => (a.id < b.id ? -1 : 1))
    for (const format of ['csv', 'json'] as const) {
      const b = new LedgerFileBuilder(format, NOW)
      b.add(rows.slice(0, 7).map(exportRowOf))
      b.add([])
      b.add(rows.slice(7).map(exportRowOf))
      const text = b.parts().join('')
      if (format === 'json') {
        expect(text).toBe(JSON.stringify({ trickle: 'ledger', version: 1, exportedAt: new Date(NOW).toISOString(), rows: rows.map(exportRowOf) }, null, 2))
      } else {
        expect(text.split('\r\n').length).toBe(rows.length + 2)
      }
    }
    // An empty ledger's files, too.
    expect(JSON.parse(ledgerJson([], NOW))).toEqual({ trickle: 'ledger', version: 1, exportedAt: new Date(NOW).toISOString(), rows: [] })
    expect(ledgerCsv([])).toBe('day,site,receiver,source_asset,source_scale,sent,unconfirmed,destination_asset,destination_scale,delivered,seconds,packets\r\n')
  })
})
