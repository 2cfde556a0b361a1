/**
 * The visits a previous worker left. Each record waits RESTORE_WAIT_MS for its page to say it is still
 * there, held against the budget meanwhile; a page that does resumes it, whatever no page reclaimed
 * is settled. A tab that had such a record starts its meter without a leading second.
 */
import type { Budget, Holder } from '../ledger/budget.ts'
import type { VisitRecord } from '../ledger/visit-record.ts'

/** A restarted worker waits this long for a page to reclaim its visit before forgetting it. */
export const RESTORE_WAIT_MS = 15_000

/** A restored record waiting for its page, held against the budget meanwhile. */
export interface Waiting { record: VisitRecord; holder: Holder }

const positive = (v: bigint): bigint => (v > 0n ? v : 0n)

export class RestoredVisits {
  private readonly waiting = new Map<number, Waiting[]>()
  /** Tabs a restarted worker found visits of: their meters start without a leading second. */
  private readonly tabs = new Set<number>()

  constructor(private readonly deps: { budget: Pick<Budget, 'hold' | 'release'>; settle(record: VisitRecord, holder: Holder | null): Promise<void> }) {}

  /**
   * Takes the checked records of a previous worker. A record whose tab already has visits again, or
   * any record after a browser restart (`freshSession`: no page can come back), is settled at once.
   */
  async take(records: readonly VisitRecord[], freshSession: boolean, tabHasVisits: (tabId: number) => boolean): Promise<void> {
    for (const record of records) {
      this.tabs.add(record.tabId)
      const holder = { site: record.site ?? '', outstanding: positive(BigInt(record.counted) - BigInt(record.sent) - BigInt(record.uncertain ?? '0')) }
      if (freshSession || tabHasVisits(record.tabId)) {
        await this.deps.settle(record, null)
        continue
      }
      this.deps.budget.hold(holder)
      const list = this.waiting.get(record.tabId) ?? []
      list.push({ record, holder })
      this.waiting.set(record.tabId, list)
    }
    for (const tabId of this.waiting.keys()) {
      // Whatever no page has reclaimed by then belongs to pages that are gone.
      setTimeout(() => { this.dropTab(tabId, false) }, RESTORE_WAIT_MS)
    }
  }

  /** A tab whose meter must start without a leading second (a record of it was found, or damaged). */
  markTab(tabId: number): void { this.tabs.add(tabId) }
  wasRestored(tabId: number): boolean { return this.tabs.has(tabId) }

  /** The waiting record of this page's visit to `input`, now the caller's (its hold released). */
  claim(tabId: number, visitId: string, input: string): VisitRecord | undefined {
    const list = this.waiting.get(tabId) ?? []
    const found = list.find((w) => w.record.visitId === visitId && w.record.input === input)
    if (found === undefined) return undefined
    const rest = list.filter((w) => w !== found)
    if (rest.length > 0) this.waiting.set(tabId, rest)
    else this.waiting.delete(tabId)
    this.deps.budget.release(found.holder)
    return found.record
  }

  /** The tab is gone (or its wait is over): what still waits is settled. */
  dropTab(tabId: number, forget = true): void {
    if (forget) this.tabs.delete(tabId)
    const left = this.waiting.get(tabId) ?? []
    this.waiting.delete(tabId)
    for (const w of left) void this.deps.settle(w.record, w.holder).catch(() => undefined)
  }
}
