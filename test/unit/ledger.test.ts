// The ledger in IndexedDB (fake-indexeddb here): totals per local day, site and receiver, as integer
// strings, with the visit's record changed in the same transaction.
import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { Ledger } from '../../src/background/ledger/ledger.ts'
import { ledgerCsv, ledgerJson } from '../../src/background/ledger/ledger-export.ts'
import type { VisitRecord } from '../../src/background/payment/visit.ts'
import { entry, USD6, USD9 } from './fixtures.ts'

let n = 0
const fresh = (timeZone = 'UTC') => new Ledger({ name: `ledger-test-${++n}`, timeZone })

const record = (over: Partial<VisitRecord> = {}): VisitRecord => ({
  tabId: 3, visitId: 'v', input: 'https://wallet.example/alice', seenAt: 0,
  accrual: { folded: '0', segmentMs: 0, visibleSince: null, ratePerHour: null },
  counted: '100000', sent: '100000', delivered: '100', sourceAsset: USD9, destinationAsset: USD6, firstPaidAt: 1, quantum: '1000', site: 'https://news.example', ...over,
})

describe('ledger', () => {
  it('aggregates payments into one row per day, site and receiver', async () => {
    const l = fresh()
    const t = Date.UTC(2026, 10, 22, 12)
    for (let i = 0; i < 60; i++) await l.record(entry({ at: t + i * 1000 }), null)
    await l.record(entry({ at: t, receiver: 'https://other.example/bob' }), null)
    await l.record(entry({ at: t, site: 'https://blog.example' }), null)
    const rows = await l.rows()
    expect(rows).toHaveLength(3)
    const main = rows.find((r) => r.site === 'https://news.example' && r.receiver === 'https://wallet.example/alice')
    expect(main).toMatchObject({ day: '2026-11-22', sent: '6000000', delivered: '6000', unconfirmed: '0', ms: 60_000, packets: 60 })
  })

  it('splits at local midnight, in the user\'s time zone', async () => {
    const auckland = fresh('Pacific/Auckland') // UTC+13 in November
    const utc = fresh('UTC')
    const before = Date.UTC(2026, 10, 22, 10, 59, 59) // 23:59:59 in Auckland
    const after = Date.UTC(2026, 10, 22, 11, 0, 0) // 00:00:00 the next day in Auckland
    for (const l of [auckland, utc]) {
      await l.record(entry({ at: before }), null)
      await l.record(entry({ at: after }), null)
    }
    expect((await auckland.rows()).map((r) => r.day).sort()).toEqual(['2026-11-22', '2026-11-23'])
    expect((await utc.rows()).map((r) => r.day)).toEqual(['2026-11-22'])
    expect((await (await auckland.budgetStart('2026-11-23')).rows).rows.map((r) => r.sent)).toEqual(['100000'])
  })

  it('keeps amounts beyond 2^53 exact', async () => {
    const l = fresh()
    const big = 9_007_199_254_740_993n
    await l.record(entry({ at: 0, sent: big, delivered: big }), null)
    await l.record(entry({ at: 0, sent: big, delivered: 1n }), null)
    const [row] = await l.rows()
    expect(row?.sent).toBe((2n * big).toString())
    expect(row?.delivered).toBe((big + 1n).toString())
  })

  it('keeps rows apart when the assets differ', async () => {
    const l = fresh()
    await l.record(entry({ at: 0 }), null)
    await l.record(entry({ at: 0, source: { code: 'EUR', scale: 2 }, sent: 1n }), null)
    await l.record(entry({ at: 0, destination: { code: 'XRP', scale: 6 } }), null)
    expect(await l.rows()).toHaveLength(3)
  })

  it('writes a payment and its visit\'s record together, and settles a visit by removing it', async () => {
    const l = fresh()
    await l.saveVisit(record({ sent: '0', counted: '200000' }))
    await l.record(entry({ at: 0 }), record({ sent: '100000', counted: '200000' }))
    expect(await l.loadVisits()).toEqual([expect.objectContaining({ key: '3:https://wallet.example/alice', sent: '100000', counted: '200000' })])
    await l.record(entry({ at: 0, sent: 0n, delivered: 0n, unconfirmed: 100_000n, packets: 0, ms: 0 }), record(), true)
    expect(await l.loadVisits()).toEqual([])
    expect(await l.rows()).toEqual([expect.objectContaining({ sent: '100000', unconfirmed: '100000', packets: 1 })])
  })

  it('a failed transaction changes neither the row nor the record', async () => {
    const l = fresh()
    await l.record(entry({ at: 0 }), record({ sent: '100000' }))
    // A record that cannot be stored (a function is not cloneable) aborts the whole transaction.
    const broken = { ...record({ sent: '200000' }), bad: () => 1 } as unknown as VisitRecord
    await expect(l.record(entry({ at: 0 }), broken)).rejects.toThrow()
    expect((await l.rows())[0]?.sent).toBe('100000')
    expect((await l.loadVisits())[0]?.sent).toBe('100000')
  })

  it('survives being closed and opened again (a new worker)', async () => {
    const name = `ledger-test-${++n}`
    const first = new Ledger({ name, timeZone: 'UTC' })
    await first.record(entry({ at: 0 }), record())
    first.close()
    const second = new Ledger({ name, timeZone: 'UTC' })
    expect(await second.rows()).toHaveLength(1)
    expect(await second.loadVisits()).toHaveLength(1)
  })
})

describe('ledger export', () => {
  it('writes CSV with exact decimals and defuses formulas', async () => {
    const l = fresh()
    await l.record(entry({ at: Date.UTC(2026, 10, 22), sent: 123_456_789n, delivered: 123_456n, ms: 1234 }), null)
    await l.record(entry({ at: Date.UTC(2026, 10, 21), receiver: '=HYPERLINK("x")', destination: null }), null)
    const csv = ledgerCsv(await l.rows())
    const lines = csv.trimEnd().split('\r\n')
    expect(lines[0]).toBe('day,site,receiver,source_asset,source_scale,sent,unconfirmed,destination_asset,destination_scale,delivered,seconds,packets')
    expect(lines[1]).toBe('2026-11-21,https://news.example,"\'=HYPERLINK(""x"")",USD,9,0.000100000,0.000000000,,,,1.000,1')
    expect(lines[2]).toBe('2026-11-22,https://news.example,https://wallet.example/alice,USD,9,0.123456789,0.000000000,USD,6,0.123456,1.234,1')
  })

  it('writes JSON with integer strings and assets', async () => {
    const l = fresh()
    await l.record(entry({ at: Date.UTC(2026, 10, 22) }), null)
    const file = JSON.parse(ledgerJson(await l.rows(), Date.UTC(2026, 10, 22, 12))) as { trickle: string; exportedAt: string; rows: unknown[] }
    expect(file).toEqual({
      trickle: 'ledger', version: 1, exportedAt: '2026-11-22T12:00:00.000Z',
      rows: [{ day: '2026-11-22', site: 'https://news.example', receiver: 'https://wallet.example/alice', source: USD9, destination: USD6, sent: '100000', delivered: '100', unconfirmed: '0', ms: 1000, packets: 1 }],
    })
  })
})
