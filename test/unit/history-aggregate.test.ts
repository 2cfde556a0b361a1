import { describe, expect, it } from 'vitest'
import {
  bucketize, bucketOf, budgetForBucket, csvCell, firstDayOfWeek, percent, searchAndSort, statementRows, statementTable, sumPerAsset, toCsv, toJsonText,
} from '../../src/history/aggregate.ts'
import type { DayTotal, StatementLine } from '../../src/shared/history.ts'

const USD9 = { code: 'USD', scale: 9 }
const amt = (value: bigint, a = USD9) => ({ value: value.toString(), code: a.code, scale: a.scale })
const day = (d: string, sent: bigint, unconfirmed = 0n, ms = 1000): DayTotal => ({ day: d, sent: amt(sent), unconfirmed: amt(unconfirmed), ms })

describe('buckets in the user\'s calendar', () => {
  it('weeks start on the locale\'s first day (Monday in Germany, Sunday in the US)', () => {
    expect(firstDayOfWeek('de-DE')).toBe(1)
    expect(firstDayOfWeek('en-US')).toBe(0)
    expect(bucketOf('2026-03-11', 'week', 1)).toEqual({ start: '2026-03-09', end: '2026-03-16' })
    expect(bucketOf('2026-03-11', 'week', 0)).toEqual({ start: '2026-03-08', end: '2026-03-15' })
    expect(bucketOf('2026-03-08', 'week', 1)).toEqual({ start: '2026-03-02', end: '2026-03-09' })
  })

  it('months are calendar months, December into January', () => {
    expect(bucketOf('2026-12-31', 'month', 1)).toEqual({ start: '2026-12-01', end: '2027-01-01' })
    expect(bucketOf('2028-02-29', 'month', 1)).toEqual({ start: '2028-02-01', end: '2028-03-01' })
  })

  it('sums days into every bucket of the range, empty ones too, clipped to the range; other assets left out', () => {
    const days = [day('2026-03-01', 5n, 1n), day('2026-03-02', 7n), day('2026-03-10', 11n), day('2026-02-28', 100n), { ...day('2026-03-03', 1000n), sent: amt(1000n, { code: 'EUR', scale: 9 }) }]
    const weeks = bucketize(days, { from: '2026-03-01', to: '2026-03-17' }, 'week', 1, USD9)
    expect(weeks.map((b) => [b.start, b.end, b.sent, b.unconfirmed])).toEqual([
      ['2026-03-01', '2026-03-02', 5n, 1n], ['2026-03-02', '2026-03-09', 7n, 0n], ['2026-03-09', '2026-03-16', 11n, 0n], ['2026-03-16', '2026-03-17', 0n, 0n],
    ])
    const perDay = bucketize(days, { from: '2026-03-01', to: '2026-03-04' }, 'day', 1, USD9)
    expect(perDay.map((b) => b.sent)).toEqual([5n, 7n, 0n])
  })
})

describe('the budget per bucket', () => {
  const monthly = { period: 'monthly' as const, renewDay: 1 }
  it('a bucket that is the period gets the budget exactly; a day a share of its period', () => {
    expect(budgetForBucket(3100n, monthly, { start: '2026-03-01', end: '2026-04-01' })).toBe(3100n)
    expect(budgetForBucket(3100n, monthly, { start: '2026-03-05', end: '2026-03-06' })).toBe(100n)
    expect(budgetForBucket(2800n, monthly, { start: '2026-02-05', end: '2026-02-06' })).toBe(100n)
    // A week across two months: 3 days of March (31) and 4 of April (30).
    expect(budgetForBucket(3000n, monthly, { start: '2026-03-29', end: '2026-04-05' })).toBe((3000n * 3n) / 31n + (3000n * 4n) / 30n)
  })
  it('weekly budgets: a week is one budget, a month about four and a third', () => {
    const weekly = { period: 'weekly' as const, renewDay: 1 }
    expect(budgetForBucket(700n, weekly, { start: '2026-03-09', end: '2026-03-16' })).toBe(700n)
    expect(budgetForBucket(700n, weekly, { start: '2026-03-01', end: '2026-04-01' })).toBe(3100n)
  })
})

describe('the statement', () => {
  const line = (site: string, sent: bigint, ms: number, delivered = [amt(sent / 1000n, { code: 'USD', scale: 6 })]): StatementLine =>
    ({ site, sent: amt(sent), unconfirmed: amt(0n), delivered, ms, packets: 1, receivers: [`${site}/pay`], otherAssets: 0, otherReceivers: 0 })
  const lines = [line('https://b.example', 3000n, 5000), line('https://a.example', 1000n, 9000), line('https://c.example', 6000n, 1000)]
  const rows = statementRows(lines, (s) => new URL(s).host, (s) => (s === 'https://a.example' ? 2000n : null))

  it('shares of the total, in bigint until the last division; caps in the source asset', () => {
    expect(rows.map((r) => r.share)).toEqual([30, 10, 60])
    expect(percent(1n, 3n)).toBe(33.3333)
    expect(percent(5n, 0n)).toBe(0)
    expect(rows[1]?.cap).toEqual({ value: 2000n, code: 'USD', scale: 9 })
    expect(rows[0]?.cap).toBeNull()
  })

  it('sorts by name, sent, time and share; searches by site', () => {
    expect(searchAndSort(rows, '', 'site', false).map((r) => r.label)).toEqual(['a.example', 'b.example', 'c.example'])
    expect(searchAndSort(rows, '', 'sent', true).map((r) => r.label)).toEqual(['c.example', 'b.example', 'a.example'])
    expect(searchAndSort(rows, '', 'time', true).map((r) => r.label)).toEqual(['a.example', 'b.example', 'c.example'])
    expect(searchAndSort(rows, '', 'share', false).map((r) => r.label)).toEqual(['a.example', 'b.example', 'c.example'])
    expect(searchAndSort(rows, 'B.EX', 'site', false).map((r) => r.label)).toEqual(['b.example'])
  })

  it('sorts a thousand sites quickly', () => {
    const many = statementRows(Array.from({ length: 1000 }, (_, i) => line(`https://s${i}.example`, BigInt(i * 7919 % 1000), i)), (s) => s, () => null)
    const t0 = performance.now()
    const sorted = searchAndSort(many, '', 'sent', true)
    expect(performance.now() - t0).toBeLessThan(100)
    for (let i = 1; i < sorted.length; i++) expect((sorted[i - 1]?.sent.value ?? 0n) >= (sorted[i]?.sent.value ?? 0n)).toBe(true)
  })

  it('sums what arrived per receiver asset', () => {
    expect(sumPerAsset([amt(5n, { code: 'USD', scale: 6 }), null, amt(2n, { code: 'EUR', scale: 2 }), amt(7n, { code: 'USD', scale: 6 })]))
      .toEqual([{ value: 12n, code: 'USD', scale: 6 }, { value: 2n, code: 'EUR', scale: 2 }])
  })

  it('exports the rows as they are ordered, amounts exact', () => {
    const table = statementTable(searchAndSort(rows, '', 'sent', true))
    expect(table.rows[0]).toEqual(['https://c.example', '0.000006000', '0.000000000', 'USD', '0.000006 USD', 1, 60, ''])
    const json = JSON.parse(toJsonText(table)) as Record<string, unknown>[]
    expect(json.map((r) => r.site)).toEqual(['https://c.example', 'https://b.example', 'https://a.example'])
    expect(json[2]).toMatchObject({ cap: '0.000002000', share_percent: 10, seconds: 9 })
  })
})

describe('CSV', () => {
  it('quotes per RFC 4180', () => {
    expect(csvCell('plain')).toBe('plain')
    expect(csvCell('a,b')).toBe('"a,b"')
    expect(csvCell('say "hi"')).toBe('"say ""hi"""')
    expect(csvCell('two\nlines')).toBe('"two\nlines"')
    expect(toCsv({ columns: ['a', 'b'], rows: [['x', 1], ['y,z', 2.5]] })).toBe('a,b\r\nx,1\r\n"y,z",2.5\r\n')
  })
  it('defuses cells a spreadsheet would run as formulas', () => {
    expect(csvCell('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"')
    expect(csvCell('+1')).toBe("'+1")
    expect(csvCell('-2')).toBe("'-2")
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvCell(-2)).toBe('-2')
  })
})
