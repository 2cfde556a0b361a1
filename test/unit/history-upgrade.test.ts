// The history's aggregates after an upgrade, under failure and hostile input, and the history API's
// replies as a page reads them (fake-indexeddb). Found in an independent review; each failed before its fix.
import 'fake-indexeddb/auto'
import { openDB } from 'idb'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { Ledger } from '../../src/background/ledger/ledger.ts'
import { MAX_LINE_ASSETS } from '../../src/shared/history.ts'
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

// eslint-disable-next-line @typescript-eslint/unbound-method -- put back as it was, and always called with its store as `this`
const realPut = IDBObjectStore.prototype.put
afterEach(() => { IDBObjectStore.prototype.put = realPut })

describe('the version 3 → 4 upgrade', () => {
  it('keeps the ledger usable when building the aggregates after an upgrade fails (a full disk), and builds them later', async () => {
    const name = `review-upgrade-fail-${++n}`
    await versionThree(name, [firstSchemaRow()])
    // Every write to `months` fails while `failing` holds (as a full disk makes a put fail).
    let failing = true
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
      if (failing && this.name === 'months') { realPut.call(this, value, key); return this.add(value, key) }
      return realPut.call(this, value, key)
    }
    const errors: unknown[] = []
    const l = new Ledger({ name, timeZone: 'UTC', log: { warn: () => undefined, error: (...a: unknown[]) => { errors.push(a) } } })
    // The first question answers from the day rows and starts the build, which fails.
    expect((await l.statement(NOV)).lines.map((x) => x.sent.value)).toEqual(['1000'])
    await vi.waitFor(() => { expect(errors).toHaveLength(1) })
    failing = false
    // The database opened and payments go on.
    await l.record(entry(), null)
    expect((await l.rows()).map((r) => r.sent)).toEqual(['101000'])
    // The next question tries the build again; the day rows answer meanwhile, then the aggregates.
    expect((await l.statement(NOV)).lines.map((x) => x.sent.value)).toEqual(['101000'])
    await vi.waitFor(async () => {
      const db = await openDB(name)
      const pending: unknown = await db.get('settings', 'history-sums-pending')
      db.close()
      expect(pending).toBeUndefined()
    })
    expect((await l.statement(NOV)).lines.map((x) => x.sent.value)).toEqual(['101000'])
    expect((await l.dayTotals(NOV)).map((d) => d.sent.value)).toEqual(['101000'])
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

describe('the history replies a page accepts', () => {
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
    const hostile = statement.lines.find((x) => x.site === 'https://hostile.example')
    expect(hostile).toMatchObject({ otherAssets: 1025 - MAX_LINE_ASSETS, sent: { value: '1025' } })
    expect(hostile?.delivered).toHaveLength(MAX_LINE_ASSETS)
    l.close()
  }, 60_000)
})

describe('what the aggregates hold to', () => {
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
