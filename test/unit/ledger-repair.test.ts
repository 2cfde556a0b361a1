// One damaged value in IndexedDB must not brick the extension: ledger rows are checked on every read;
// a bad one is set aside in `quarantine` (in the same transaction as it leaves `days`), what can be
// read of its amounts still counts against the budget, and the rest of the history keeps working.
import 'fake-indexeddb/auto'
import { openDB } from 'idb'
import { describe, expect, it } from 'vitest'
import { Budget } from '../../src/background/ledger/budget.ts'
import { checkLedgerRow, KEEP_ACKNOWLEDGED, Ledger } from '../../src/background/ledger/ledger.ts'
import { ledgerCsv, ledgerJson } from '../../src/background/ledger/ledger-export.ts'
import { dayKey } from '../../src/shared/period.ts'
import { DEFAULT_SETTINGS } from '../../src/shared/settings.ts'
import { firstSchemaDatabase } from './fakes.ts'
import { entry, firstSchemaRow, rowKey, USD9 } from './fixtures.ts'

let n = 0
const DAY = '2026-11-22'
const AT = Date.UTC(2026, 10, 22, 12)
const SITE = 'https://news.example'
const ALICE = 'https://wallet.example/alice'
/** A small payment today, to alice from news.example (the rows' own day, site and receiver). */
const smallPayment = () => entry({ at: AT, site: SITE, receiver: ALICE, sent: 500n, delivered: 0n, ms: 5 })

/** A database as the first build (schema version 1) left it, holding `rows` as stored. */
async function oldDatabase(rows: Record<string, unknown>[], visits: Record<string, unknown>[] = []): Promise<string> {
  const name = `ledger-repair-${++n}`
  await firstSchemaDatabase(name, rows, visits)
  return name
}

const open = (name: string) => new Ledger({ name, timeZone: 'UTC', now: () => AT })

async function rawStore(name: string, store: string): Promise<unknown[]> {
  const db = await openDB(name)
  try {
    const all: unknown[] = await db.getAll(store)
    return all
  } finally {
    db.close()
  }
}

const budgetOver = (asset = USD9) => new Budget({
  settings: () => ({ ...DEFAULT_SETTINGS, budget: { amount: '100', period: 'monthly', renewDay: 1 } }),
  asset: () => asset, now: () => AT, dayOf: (at) => dayKey(at, 'UTC'),
})

const good2 = firstSchemaRow({ id: rowKey(DAY, 'https://blog.example', ALICE), site: 'https://blog.example', sent: '2000' })

describe('damaged ledger rows', () => {
  it.each<[string, Record<string, unknown>, bigint]>([
    // [what, the damaged row, what of it still counts against the budget]
    ['sent: "xyz"', firstSchemaRow({ sent: 'xyz', unconfirmed: '300' }), 300n],
    ['ms: "abc"', firstSchemaRow({ ms: 'abc' }), 1000n],
    ['no source', firstSchemaRow({ source: undefined }), 1000n],
    ['a negative amount', firstSchemaRow({ unconfirmed: '-5' }), 1000n],
    ['a fractional packet count', firstSchemaRow({ packets: 1.5 }), 1000n],
    ['a day that disagrees with its key', firstSchemaRow({ day: '2026-11-23' }), 1000n],
    ['no day (so the day index skips it)', firstSchemaRow({ day: undefined }), 1000n],
    ['nothing but its key', { id: rowKey(DAY, SITE, ALICE) }, 0n],
  ])('%s: the good rows are read, the bad one is set aside with a reason, the budget counts what can be read', async (_what, bad, salvaged) => {
    const name = await oldDatabase([bad, good2])
    const l = open(name)
    const since = (await (await l.budgetStart('2026-11-01')).rows).rows
    // The good row as it was, and the damaged one's readable amounts (a salvaged row under its key).
    expect(since.find((r) => r.site === 'https://blog.example')).toMatchObject({ sent: '2000', ms: 10, packets: 1 })
    const kept = since.find((r) => r.site === SITE)
    if (salvaged === 0n) expect(kept).toBeUndefined()
    else expect(BigInt(kept?.sent ?? '0') + BigInt(kept?.unconfirmed ?? '0')).toBe(salvaged)
    const quarantined = await rawStore(name, 'quarantine')
    expect(quarantined).toEqual([expect.objectContaining({ kind: 'ledger-row', key: rowKey(DAY, SITE, ALICE), value: bad, acknowledged: false, reason: expect.any(String) as unknown })])
    const budget = budgetOver()
    expect(() => { budget.load(since) }).not.toThrow()
    expect(budget.spentNow()).toBe(2000n + salvaged)
    // Set aside once: the next read finds a clean ledger.
    await (await l.budgetStart('2026-11-01')).rows
    expect(await rawStore(name, 'quarantine')).toHaveLength(1)
    expect(await l.repairs()).toEqual([{ id: expect.any(String) as unknown, at: AT, kind: 'ledger-row', reason: expect.any(String) as unknown }])
  })

  it('rows() (the exports) skip the bad row too, and the exports do not throw', async () => {
    const name = await oldDatabase([firstSchemaRow({ sent: 'xyz' }), good2])
    const l = open(name)
    const rows = await l.rows()
    expect(rows.map((r) => r.site).sort()).toEqual(['https://blog.example', SITE])
    expect(() => ledgerCsv(rows)).not.toThrow()
    expect(() => ledgerJson(rows, AT)).not.toThrow()
    expect((await l.repairs()).map((r) => r.kind)).toEqual(['ledger-row'])
  })

  it('a row under a key that is not one of ours is salvaged into the row its fields name', async () => {
    const stray = firstSchemaRow({ id: 'stray', sent: '70' })
    const name = await oldDatabase([stray, firstSchemaRow()])
    const l = open(name)
    expect(await l.rows()).toEqual([expect.objectContaining({ id: rowKey(DAY, SITE, ALICE), sent: '1070', packets: 2 })])
    expect(await rawStore(name, 'quarantine')).toEqual([expect.objectContaining({ key: 'stray', value: stray })])
  })

  it('record() onto a damaged row sets it aside in the same transaction and starts a fresh row (with what could be read)', async () => {
    const bad = firstSchemaRow({ sent: 'xyz', unconfirmed: '300', ms: 'abc' })
    const name = await oldDatabase([bad])
    const l = open(name)
    await l.record(smallPayment(), null)
    const rows = await rawStore(name, 'days')
    expect(rows).toEqual([expect.objectContaining({ id: rowKey(DAY, SITE, ALICE), v: 1, sent: '500', unconfirmed: '300', delivered: '1', ms: 5, packets: 2 })])
    expect(await rawStore(name, 'quarantine')).toEqual([expect.objectContaining({ kind: 'ledger-row', value: bad })])
    expect(await l.repairs()).toHaveLength(1)
  })

  it('repairs() lists what was set aside until acknowledged; acknowledgeRepairs() clears them for good', async () => {
    const name = await oldDatabase([firstSchemaRow({ sent: 'xyz' })])
    const l = open(name)
    await l.rows()
    await l.quarantine('settings', 'settings', { ratePerHour: 7 }, 'The stored settings were not valid.')
    expect((await l.repairs()).map((r) => r.kind).sort()).toEqual(['ledger-row', 'settings'])
    await l.acknowledgeRepairs()
    expect(await l.repairs()).toEqual([])
    l.close()
    expect(await open(name).repairs()).toEqual([])
    // The entries stay (acknowledged), with the raw values, for whoever investigates.
    expect(await rawStore(name, 'quarantine')).toHaveLength(2)
  })

  it('keeps only the newest acknowledged entries', async () => {
    let t = AT
    const name = await oldDatabase([])
    const l = new Ledger({ name, timeZone: 'UTC', now: () => ++t })
    for (let i = 0; i < KEEP_ACKNOWLEDGED + 5; i++) await l.quarantine('settings', 'settings', i, 'damaged')
    await l.acknowledgeRepairs()
    const kept = await rawStore(name, 'quarantine')
    expect(kept).toHaveLength(KEEP_ACKNOWLEDGED)
    expect(kept).not.toContainEqual(expect.objectContaining({ value: 0 }))
    expect(kept).toContainEqual(expect.objectContaining({ value: KEEP_ACKNOWLEDGED + 4 }))
  })

  it('acknowledgeRepairs(upTo) leaves a repair made after what the user saw', async () => {
    let t = AT
    const name = await oldDatabase([])
    const l = new Ledger({ name, timeZone: 'UTC', now: () => t })
    await l.quarantine('settings', 'settings', 1, 'first')
    const seen = t
    t += 1000
    await l.quarantine('settings', 'settings', 2, 'second')
    await l.acknowledgeRepairs(seen)
    expect((await l.repairs()).map((r) => r.reason)).toEqual(['second'])
  })

  it('quarantineVisit() moves a bad visit record out of `visits` into quarantine, atomically', async () => {
    const visit = { key: '3:https://wallet.example/alice', tabId: 3, counted: 'nope' }
    const other = { key: '4:https://wallet.example/bob', tabId: 4 }
    const name = await oldDatabase([], [visit, other])
    const l = open(name)
    await l.quarantineVisit(visit.key, visit, 'counted is not an integer string')
    expect((await l.loadVisits()).map((v) => v.key)).toEqual([other.key])
    expect(await rawStore(name, 'quarantine')).toEqual([expect.objectContaining({ kind: 'visit', key: visit.key, value: visit, reason: 'counted is not an integer string', acknowledged: false })])
  })

  it('a database of the first schema opens and upgrades with its rows and visits intact; new rows carry v: 1', async () => {
    const visit = { key: '3:x', tabId: 3 }
    const name = await oldDatabase([firstSchemaRow(), good2], [visit])
    const l = open(name)
    expect((await l.rows()).map((r) => r.sent).sort()).toEqual(['1000', '2000'])
    expect(await l.loadVisits()).toEqual([visit])
    expect(await l.repairs()).toEqual([])
    await l.record(smallPayment(), null)
    const rows = await rawStore(name, 'days')
    expect(rows).toContainEqual(expect.objectContaining({ id: rowKey(DAY, SITE, ALICE), v: 1, sent: '1500', packets: 2 }))
    const db = await openDB(name)
    expect(db.version).toBe(4)
    expect([...db.objectStoreNames].sort()).toEqual(['days', 'months', 'quarantine', 'settings', 'totals', 'visits'])
    db.close()
  })
})

describe('checkLedgerRow', () => {
  const key = rowKey(DAY, SITE, ALICE)
  it('accepts a valid row with or without v: 1', () => {
    expect(checkLedgerRow(key, firstSchemaRow())).toMatchObject({ ok: true })
    expect(checkLedgerRow(key, { ...firstSchemaRow(), v: 1 })).toMatchObject({ ok: true })
  })
  it.each<[string, unknown]>([
    ['null', null], ['a number', 42], ['a string', 'row'], ['an array', [1, 2]],
    ['v: 2', { ...firstSchemaRow(), v: 2 }], ['a huge scale', firstSchemaRow({ source: { code: 'USD', scale: 1e6 } })],
    ['an empty site', firstSchemaRow({ site: '' })], ['a bad destination', firstSchemaRow({ destination: 'USD' })],
    ['Infinity ms', firstSchemaRow({ ms: Number.POSITIVE_INFINITY })], ['a number as amount', firstSchemaRow({ sent: 1000 })],
  ])('refuses %s, with a reason, and salvages under the key', (_what, value) => {
    const checked = checkLedgerRow(key, value)
    expect(checked.ok).toBe(false)
    if (checked.ok) return
    expect(checked.reason).not.toBe('')
    // The key names the day, site, receiver and assets: enough to count what can be read.
    expect(checked.salvage).toMatchObject({ id: key, day: DAY, site: SITE, receiver: ALICE, source: USD9 })
  })
  it('cannot salvage a row whose key and fields both fail', () => {
    const checked = checkLedgerRow(7, { sent: '100' })
    expect(checked).toMatchObject({ ok: false, salvage: null })
  })
})
