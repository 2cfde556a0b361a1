// The history's aggregates (ledger v4): kept with each payment in the same transaction, built from the
// rows already there on upgrade, and the three questions the history page asks, on fake-indexeddb.
import 'fake-indexeddb/auto'
import { openDB } from 'idb'
import { describe, expect, it } from 'vitest'
import { rangeProblem, sumsOf } from '../../src/background/ledger/history-sums.ts'
import { Ledger } from '../../src/background/ledger/ledger.ts'
import type { LedgerRow } from '../../src/background/ledger/ledger-rows.ts'
import { firstSchemaDatabase } from './fakes.ts'
import { entry, firstSchemaRow, rowKey, USD6 } from './fixtures.ts'

let n = 0
const fresh = (timeZone = 'UTC') => new Ledger({ name: `history-sums-${++n}`, timeZone })
const NOV_22 = Date.UTC(2026, 10, 22, 12)
const DAY = 86_400_000
const EUR2 = { code: 'EUR', scale: 2 }
const sum = (values: readonly { value: string }[]): bigint => values.reduce((s, v) => s + BigInt(v.value), 0n)

/** A month of payments to three sites (one with two receivers in different currencies), and one in December. */
async function filled(l: Ledger): Promise<void> {
  for (let d = 0; d < 30; d++) {
    await l.record(entry({ at: Date.UTC(2026, 10, 1, 12) + d * DAY, sent: BigInt(1000 + d), delivered: 1n, ms: 1000 }), null)
    if (d % 2 === 0) await l.record(entry({ at: Date.UTC(2026, 10, 1, 12) + d * DAY, site: 'https://blog.example', sent: 7n, delivered: 0n, unconfirmed: 3n, ms: 500 }), null)
  }
  await l.record(entry({ at: NOV_22, receiver: 'https://euro.example/bob', destination: EUR2, sent: 50n, delivered: 4n }), null)
  await l.record(entry({ at: Date.UTC(2026, 11, 3, 12), site: 'https://later.example', sent: 9n }), null)
}

describe('the history aggregates', () => {
  it('answer what the rows say: day totals, a month statement (from month rows) equal to one summed from day rows', async () => {
    const l = fresh()
    await filled(l)
    const rows = await l.rows()
    const november = rows.filter((r) => r.day.startsWith('2026-11'))

    const days = await l.dayTotals({ from: '2026-11-01', to: '2026-12-01' })
    expect(days).toHaveLength(30)
    expect(days.map((d) => d.day)).toEqual([...days.map((d) => d.day)].sort())
    expect(sum(days.map((d) => d.sent))).toBe(november.reduce((s, r) => s + BigInt(r.sent), 0n))
    expect(sum(days.map((d) => d.unconfirmed))).toBe(15n * 3n)
    expect(days.find((d) => d.day === '2026-11-22')).toMatchObject({ sent: { value: String(1021 + 50), code: 'USD', scale: 9 }, ms: 2000 })

    const byMonth = await l.statement({ from: '2026-11-01', to: '2026-12-01' })
    // 2026-11-01 … 2026-11-30 by day rows: the same range, read the other way.
    const byDays = await l.statement({ from: '2026-11-01', to: '2026-11-30' })
    const last = await l.statement({ from: '2026-11-30', to: '2026-12-01' })
    expect(byMonth.lines.map((x) => x.site)).toEqual(['https://blog.example', 'https://news.example'])
    const news = byMonth.lines[1]
    expect(news).toMatchObject({ sent: { value: String(30 * 1000 + 435 + 50) }, packets: 31, ms: 31_000, receivers: ['https://euro.example/bob', 'https://wallet.example/alice'] })
    expect(news?.delivered).toEqual(expect.arrayContaining([{ value: '30', ...USD6 }, { value: '4', ...EUR2 }]))
    for (const site of ['https://blog.example', 'https://news.example']) {
      const whole = byMonth.lines.find((x) => x.site === site)
      const parts = [...byDays.lines, ...last.lines].filter((x) => x.site === site)
      expect(BigInt(whole?.sent.value ?? '-1')).toBe(sum(parts.map((p) => p.sent)))
      expect(whole?.ms).toBe(parts.reduce((s, p) => s + p.ms, 0))
    }
    expect((await l.statement({ from: '2026-12-01', to: '2027-01-01' })).lines.map((x) => x.site)).toEqual(['https://later.example'])
  })

  it('answer one site by its index, per receiver, within the range only', async () => {
    const l = fresh()
    await filled(l)
    const blog = await l.siteDays('https://blog.example', { from: '2026-11-10', to: '2026-11-20' })
    expect(blog.map((d) => d.day)).toEqual(['2026-11-11', '2026-11-13', '2026-11-15', '2026-11-17', '2026-11-19'])
    expect(blog[0]).toMatchObject({ receiver: 'https://wallet.example/alice', sent: { value: '7' }, unconfirmed: { value: '3' }, delivered: { value: '0', ...USD6 } })
    const news = await l.siteDays('https://news.example', { from: '2026-11-22', to: '2026-11-23' })
    expect(news.map((d) => d.receiver)).toEqual(['https://euro.example/bob', 'https://wallet.example/alice'])
    expect(await l.siteDays('https://news.example.evil', { from: '2026-01-01', to: '2027-01-01' })).toEqual([])
  })

  it('count local days: a payment at 23:59 in Auckland is that day\'s, and its month\'s', async () => {
    const auckland = fresh('Pacific/Auckland') // UTC+13 in November
    await auckland.record(entry({ at: Date.UTC(2026, 10, 30, 10, 59) }), null) // 23:59 on 30 November there
    await auckland.record(entry({ at: Date.UTC(2026, 10, 30, 11, 0) }), null) // 00:00 on 1 December there
    expect((await auckland.dayTotals({ from: '2026-11-01', to: '2027-01-01' })).map((d) => d.day)).toEqual(['2026-11-30', '2026-12-01'])
    expect((await auckland.statement({ from: '2026-12-01', to: '2027-01-01' })).lines[0]?.sent.value).toBe('100000')
  })

  it('are built from the rows already there when a version-3 ledger is upgraded', async () => {
    const name = `history-sums-upgrade-${++n}`
    await firstSchemaDatabase(name, [
      firstSchemaRow(),
      firstSchemaRow({ id: rowKey('2026-11-23', 'https://news.example', 'https://wallet.example/alice'), day: '2026-11-23', sent: '500' }),
      // Damaged: counted from its salvage (sent 0 is kept as what can be read; ms 4 still counts).
      firstSchemaRow({ id: rowKey('2026-11-24', 'https://news.example', 'https://wallet.example/alice'), day: '2026-11-24', sent: 'xyz', ms: 4 }),
    ])
    const l = new Ledger({ name, timeZone: 'UTC' })
    const month = await l.statement({ from: '2026-11-01', to: '2026-12-01' })
    expect(month.lines).toMatchObject([{ site: 'https://news.example', sent: { value: '1500' }, ms: 24, packets: 3 }])
    expect((await l.dayTotals({ from: '2026-11-01', to: '2026-12-01' })).map((d) => [d.day, d.sent.value])).toEqual([['2026-11-22', '1000'], ['2026-11-23', '500'], ['2026-11-24', '0']])
    // And kept from then on with each payment.
    await l.record(entry({ at: NOV_22 }), null)
    expect((await l.statement({ from: '2026-11-01', to: '2026-12-01' })).lines[0]?.sent.value).toBe('101500')
    l.close()
  })

  it('change with their payment or not at all: a failed record leaves rows and aggregates as they were', async () => {
    const l = fresh()
    await l.record(entry({ at: NOV_22 }), null)
    const bad = entry({ at: NOV_22, sent: 5n })
    // A visit record that cannot be stored (a function does not clone) fails the transaction.
    await expect(l.record(bad, { tabId: 1, input: 'x', f: () => 1 } as never)).rejects.toThrow()
    expect((await l.rows())[0]?.sent).toBe('100000')
    expect((await l.dayTotals({ from: '2026-11-22', to: '2026-11-23' }))[0]?.sent.value).toBe('100000')
    expect((await l.statement({ from: '2026-11-01', to: '2026-12-01' })).lines[0]?.sent.value).toBe('100000')
  })

  it('read a damaged aggregate as its salvage, and a payment on it carries on from that', async () => {
    const l = fresh()
    await l.record(entry({ at: NOV_22 }), null)
    l.close()
    const db = await openDB(`history-sums-${n}`)
    const key = (await db.getAllKeys('months'))[0]
    if (key === undefined) throw new Error('no month row')
    const row = await db.get('months', key) as LedgerRow
    await db.put('months', { ...row, ms: 'lots' })
    db.close()
    expect((await l.statement({ from: '2026-11-01', to: '2026-12-01' })).lines).toMatchObject([{ sent: { value: '100000' }, ms: 0 }])
    await l.record(entry({ at: NOV_22 }), null)
    expect((await l.statement({ from: '2026-11-01', to: '2026-12-01' })).lines).toMatchObject([{ sent: { value: '200000' }, ms: 1000 }])
  })

  it('sumsOf: month rows keep receivers and assets apart, day totals add every site and drop receivers\' assets', () => {
    const row = (over: Partial<LedgerRow>): LedgerRow => ({ ...(firstSchemaRow() as unknown as LedgerRow), ...over })
    const sums = sumsOf([row({}), row({ day: '2026-11-23', site: 'https://b.example', destination: EUR2, delivered: '9' })])
    expect(sums.months.map((m) => [m.day, m.site])).toEqual([['2026-11-01', 'https://news.example'], ['2026-11-01', 'https://b.example']])
    expect(sums.totals.map((t) => [t.day, t.site, t.destination, t.delivered])).toEqual([['2026-11-22', '*', null, '0'], ['2026-11-23', '*', null, '0']])
  })
})

describe('history ranges', () => {
  it.each([
    [{ from: '2026-11-01', to: '2026-12-01' }, null],
    [{ from: '2026-11-01', to: '2026-11-01' }, 'A history range must end after it starts.'],
    [{ from: '2026-02-30', to: '2026-03-01' }, 'A history range needs two calendar days (YYYY-MM-DD).'],
    [{ from: '2000-01-01', to: '2026-01-01' }, 'A history range covers at most 3700 days.'],
  ])('%j → %s', (range, problem) => {
    expect(rangeProblem(range)).toBe(problem)
  })
})
