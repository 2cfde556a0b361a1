// Review findings on the history's aggregates and the history API's replies (fake-indexeddb).
import 'fake-indexeddb/auto'
import { openDB } from 'idb'
import { afterEach, describe, expect, it } from 'vitest'
import { Ledger } from '../../src/background/ledger/ledger.ts'
import { uiOutputGuards } from '../../src/shared/ui-outputs.ts'
import { firstSchemaDatabase } from './fakes.ts'
import { entry, firstSchemaRow, rowKey } from './fixtures.ts'

let n = 0
const NOV = { from: '2026-11-01', to: '2026-12-01' }

/** A version-3 ledger as the previous build left it: days, visits, quarantine, settings. */
async function versionThree(name: string, rows: Record<string, unknown>[]): Promise<void> {
  await firstSchemaDatabase(name, rows)
  const db = await openDB(name, 3, {
    upgrade(d, old) {
      if (old < 2) d.createObjectStore('quarantine', { keyPath: 'id' })
      if (old < 3) d.createObjectStore('settings')
    },
  })
  db.close()
}

const realPut = IDBObjectStore.prototype.put
afterEach(() => { IDBObjectStore.prototype.put = realPut })

describe('review: the version 3 → 4 upgrade', () => {
  it('keeps the ledger usable when a write of the aggregates fails during the upgrade (e.g. QuotaExceededError)', async () => {
    const name = `review-upgrade-fail-${++n}`
    await versionThree(name, [firstSchemaRow()])
    // A request of the upgrade that fails (as a full disk makes a put fail): here a duplicate add.
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if (this.name === 'months') { realPut.call(this, value, key); return this.add(value, key) }
      return realPut.call(this, value, key)
    }
    const errors: unknown[] = []
    const l = new Ledger({ name, timeZone: 'UTC', log: { warn: () => undefined, error: (...a: unknown[]) => { errors.push(a) } } })
    // ledger.ts: "If building the history's aggregates failed, payments still go on".
    let recorded: unknown = null
    try { await l.record(entry(), null) } catch (e) { recorded = e }
    let rows: unknown = null
    try { rows = await l.rows() } catch (e) { rows = e }
    IDBObjectStore.prototype.put = realPut
    expect(recorded).toBeNull()
    expect(Array.isArray(rows)).toBe(true)
    l.close()
  })

  it('does not put zero lines in the statement for rows that hold nothing (the quarantine drops them from days)', async () => {
    const name = `review-upgrade-empty-${++n}`
    const empty = rowKey('2026-11-23', 'https://empty.example', 'https://wallet.example/alice')
    await versionThree(name, [firstSchemaRow(), { id: empty }])
    const l = new Ledger({ name, timeZone: 'UTC' })
    const sites = (await l.statement(NOV)).lines.map((x) => x.site)
    const fromDays = [...new Set((await l.rows()).filter((r) => r.day.startsWith('2026-11')).map((r) => r.site))]
    expect(sites).toEqual(fromDays)
    l.close()
  })
})

describe('review: the history replies a page accepts', () => {
  it('accepts the statement of a site whose receivers announced 1,025 different assets (a hostile receiver chooses its asset)', async () => {
    const l = new Ledger({ name: `review-assets-${++n}`, timeZone: 'UTC' })
    for (let i = 0; i < 1025; i++) {
      await l.record(entry({ site: 'https://hostile.example', destination: { code: `X${i}`, scale: 0 }, sent: 1n, delivered: 1n }), null)
    }
    await l.record(entry({ site: 'https://honest.example' }), null)
    const statement = await l.statement(NOV)
    expect(statement.lines).toHaveLength(2)
    // The history page checks every reply with this guard; a refused reply shows no statement at all.
    expect(uiOutputGuards['get-statement'](statement)).toBe(true)
    l.close()
  }, 60_000)
})

describe('review: checks that hold (passing)', () => {
  it.each([1, 2, 3])('a version-%i ledger upgrades with its rows, visits, quarantine and settings intact', async (version) => {
    const name = `review-upgrade-v${version}-${++n}`
    await firstSchemaDatabase(name, [firstSchemaRow(), { ...firstSchemaRow(), id: 42 }], [{ key: '1:x', tabId: 1, input: 'x' }])
    if (version > 1) {
      const db = await openDB(name, version, {
        upgrade(d, old) {
          if (old < 2) d.createObjectStore('quarantine', { keyPath: 'id' })
          if (old < 3 && version >= 3) d.createObjectStore('settings')
        },
      })
      if (version >= 3) await db.put('settings', { v: 1 }, 'settings')
      db.close()
    }
    const l = new Ledger({ name, timeZone: 'UTC' })
    // The row under a foreign key (42) counts by its fields, as the quarantine will merge it.
    expect((await l.statement(NOV)).lines[0]?.sent.value).toBe('2000')
    expect((await l.dayTotals(NOV))[0]?.sent.value).toBe('2000')
    expect((await l.rows()).reduce((s, r) => s + BigInt(r.sent), 0n)).toBe(2000n)
    expect((await l.statement(NOV)).lines[0]?.sent.value).toBe('2000')
    expect(await l.loadVisits()).toHaveLength(1)
    if (version >= 3) expect(await l.settingsArea().get('settings')).toEqual({ settings: { v: 1 } })
    l.close()
  })

  it('hostile site names (quotes, backslashes, brackets, 4,000 characters) stay inside their own day and line', async () => {
    const l = new Ledger({ name: `review-names-${++n}`, timeZone: 'UTC' })
    const names = ['https://a"].example', 'https://b\\"],["2027-01-01".example', `https://${'x'.repeat(4000)}.example`, 'https://*']
    for (const site of names) {
      await l.record(entry({ site, at: Date.UTC(2026, 10, 30, 23) }), null) // the month's last day
      await l.record(entry({ site, at: Date.UTC(2026, 11, 1, 1) }), null) // the next month's first
    }
    const nov = await l.statement(NOV)
    expect(nov.lines.map((x) => x.site).sort()).toEqual([...names].sort())
    expect(nov.lines.every((x) => x.sent.value === '100000')).toBe(true)
    expect((await l.dayTotals(NOV)).map((d) => [d.day, d.sent.value])).toEqual([['2026-11-30', String(100000 * names.length)]])
    for (const site of names) expect((await l.siteDays(site, NOV)).map((d) => d.day)).toEqual(['2026-11-30'])
    l.close()
  })
})
