// The budget invariant, by property: whatever the schedule of tabs, visibility, reloads, fulfils,
// rejects, dying connections, reconnects, failing ledger writes and worker restarts, the money allowed
// to leave (every unit any STREAM connection was ever allowed, in every worker) never exceeds the
// budget, nor a site's cap; the budget's spending always equals the ledger's (plus what is charged and
// waiting for its write); and money does move when there is room.
import fc from 'fast-check'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ok } from '../../src/shared/result.ts'
import { toDecimalString } from '../../src/shared/money.ts'
import { harness, MemoryLedger, monetizerWorld, Mortal, type FakePayer } from './fakes.ts'
import { links, siteRules, snapshot, spspAnswer } from './fixtures.ts'

const SITES = ['https://a.example', 'https://b.example', 'https://c.example']
const receiverOf = (tab: number): string => `https://r${tab}.example/pay`

type Action =
  | { kind: 'tick'; ms: number }
  | { kind: 'fulfil'; payer: number; permille: number }
  | { kind: 'reject' } // a packet rejected: nothing is fulfilled, time passes
  | { kind: 'die'; payer: number }
  | { kind: 'reconnect' }
  | { kind: 'show'; tab: number; visible: boolean }
  | { kind: 'reload'; tab: number }
  | { kind: 'close'; tab: number }
  | { kind: 'restart' }
  | { kind: 'fail-writes'; count: number }

const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 3000 }) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('fulfil' as const), payer: fc.nat(20), permille: fc.integer({ min: 0, max: 1000 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reject' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('die' as const), payer: fc.nat(20) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reconnect' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('show' as const), tab: fc.nat(2), visible: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reload' as const), tab: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('close' as const), tab: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('fail-writes' as const), count: fc.integer({ min: 1, max: 3 }) }) },
)

beforeEach(() => { vi.useFakeTimers({ now: Date.UTC(2026, 10, 22, 12) }) })
afterEach(() => { vi.useRealTimers() })

describe('the budget invariant', () => {
  it('holds for every schedule', async () => {
    await fc.assert(fc.asyncProperty(
      fc.integer({ min: 0, max: 2_000_000 }), // the budget, in units (0 to 20 s of paying)
      fc.integer({ min: 0, max: 1_000_000 }), // site a's cap
      fc.array(action, { minLength: 1, maxLength: 60 }),
      async (budgetUnits, capUnits, actions) => {
        const ledger = new MemoryLedger()
        const settings = {
          budget: { amount: toDecimalString(BigInt(budgetUnits), 9), period: 'monthly' as const, renewDay: 1 },
          sites: { [SITES[0] ?? '']: siteRules({ cap: toDecimalString(BigInt(capUnits), 9) }) },
        }
        const payers: { payer: FakePayer; site: string }[] = []
        const pages = SITES.map(() => ({ open: false, visible: true, visitId: crypto.randomUUID() }))
        const boot = () => {
          // Each receiver's account is its URL, so that every payer can be told apart by its site.
          const h = harness({ querySpsp: async (url) => ok(spspAnswer(url, { destinationAccount: url })) }, {
            onPayer: (p) => payers.push({ payer: p, site: SITES[Number(/r(\d)\./.exec(p.opts.destinationAccount)?.[1])] ?? '' }),
          })
          const through = new Mortal(ledger)
          return { h, through, ...monetizerWorld(h, { ledger, through, settings }) }
        }
        let world = boot()
        await world.m.restore()
        const report = (tab: number) => {
          const p = pages[tab]
          if (p === undefined || !p.open) return
          world.m.pageState(tab + 1, snapshot({ visitId: p.visitId, tags: links(receiverOf(tab)), visible: p.visible }), `${SITES[tab] ?? ''}/page`)
        }
        for (const a of actions) {
          switch (a.kind) {
            case 'tick': await vi.advanceTimersByTimeAsync(a.ms); break
            case 'reject': await vi.advanceTimersByTimeAsync(500); break
            case 'fulfil': {
              const p = payers[a.payer % Math.max(1, payers.length)]?.payer
              p?.fulfil((p.pending * BigInt(a.permille)) / 1000n)
              break
            }
            case 'die': {
              const p = payers[a.payer % Math.max(1, payers.length)]?.payer
              if (p?.isOpen === true) p.die('the connection failed')
              break
            }
            case 'reconnect': world.m.uplinkChanged(); break
            case 'fail-writes': world.through.failNext += a.count; break
            case 'show': {
              const p = pages[a.tab]
              if (p !== undefined) { p.open = true; p.visible = a.visible }
              report(a.tab)
              break
            }
            case 'reload': {
              const p = pages[a.tab]
              if (p === undefined || !p.open) break
              world.m.pageGone(a.tab + 1, p.visitId)
              p.visitId = crypto.randomUUID()
              report(a.tab)
              break
            }
            case 'close': {
              const p = pages[a.tab]
              if (p === undefined || !p.open) break
              p.open = false
              world.m.tabRemoved(a.tab + 1)
              break
            }
            case 'restart': {
              // The worker dies: its connections stop moving money, its writes never land.
              world.through.alive = false
              for (const { payer } of payers) payer.freeze()
              world.h.deps.openPayer = () => new Promise(() => undefined)
              world = boot()
              await world.m.restore()
              // Pages come back to the new worker one by one, on their next report (a 'show').
              break
            }
          }
          await vi.advanceTimersByTimeAsync(0)
          const allowed = payers.reduce((s, x) => s + x.payer.allowance, 0n)
          const allowedA = payers.filter((x) => x.site === SITES[0]).reduce((s, x) => s + x.payer.allowance, 0n)
          expect(allowed).toBeLessThanOrEqual(BigInt(budgetUnits))
          expect(allowedA).toBeLessThanOrEqual(BigInt(capUnits))
          expect(ledger.spent).toBeLessThanOrEqual(BigInt(budgetUnits))
          // One writer for money: what the budget counts (it loaded the ledger's rows when its worker
          // started) is what the ledger holds, or is about to once a failed write is retried.
          expect(world.budget.spentNow()).toBe(ledger.spent + world.m.unwrittenSpending())
        }
        // Liveness: with room left, a visible page that is paid moves money into the ledger.
        world.through.failNext = 0
        const room = world.budget.room(SITES[1] ?? '').room
        const before = ledger.spent
        // A tab the schedule never used (browsers never give a closed tab's id to another tab), paying a
        // receiver it never paid (a tiny fulfil can teach a receiver's unit to be a cent, rightly
        // holding payment back until a cent is due).
        world.m.pageState(99, snapshot({ visitId: crypto.randomUUID(), tags: links('https://r1.example/fresh') }), `${SITES[1] ?? ''}/page`)
        for (let i = 0; i < 4; i++) {
          await vi.advanceTimersByTimeAsync(1500)
          for (const { payer } of payers) if (payer.isOpen) payer.fulfil(payer.pending)
          await vi.advanceTimersByTimeAsync(0)
        }
        if (room >= 500_000n) expect(ledger.spent, `room ${room} but nothing was paid`).toBeGreaterThan(before)
        expect(world.budget.spentNow()).toBe(ledger.spent + world.m.unwrittenSpending())
        // Tidy: close everything so no timer outlives the run.
        for (let t = 0; t < pages.length; t++) world.m.tabRemoved(t + 1)
        world.m.tabRemoved(99)
        await vi.advanceTimersByTimeAsync(60_000)
      },
    ), { numRuns: 150 })
  }, 60_000) // 150 schedules on a shared 2-core machine: seconds, not the default 5
})
