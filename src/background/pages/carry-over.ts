/**
 * Visits whose page went away (a reload, a link within the site, a removed tag), each kept paused for
 * CARRY_OVER_MS under `tab site receiver`: the site's next page in the tab, or the tag coming back,
 * carries it on (no new lookup, no new connection, no new first second). Unclaimed, it is finished.
 */
export const CARRY_OVER_MS = 15_000

export class CarryOver<V> {
  private readonly parked = new Map<string, { visit: V; timer: ReturnType<typeof setTimeout> }>()

  /** `finish`: what becomes of a visit nobody carried on (or one replaced by a newer one). */
  constructor(private readonly finish: (visit: V) => void) {}

  static key(tabId: number, site: string, receiver: string): string { return `${tabId} ${site} ${receiver}` }

  park(key: string, visit: V): void {
    const existing = this.parked.get(key)
    if (existing !== undefined) {
      clearTimeout(existing.timer)
      this.finish(existing.visit)
    }
    this.parked.set(key, { visit, timer: setTimeout(() => { this.expire(key) }, CARRY_OVER_MS) })
  }

  /** The visit parked under `key`, now the caller's; undefined if none. */
  take(key: string): V | undefined {
    const p = this.parked.get(key)
    if (p === undefined) return undefined
    this.parked.delete(key)
    clearTimeout(p.timer)
    return p.visit
  }

  /** The tab is gone: its parked visits are finished now. */
  dropTab(tabId: number): void {
    for (const key of [...this.parked.keys()]) if (key.startsWith(`${tabId} `)) this.expire(key)
  }

  private expire(key: string): void {
    const visit = this.take(key)
    if (visit !== undefined) this.finish(visit)
  }
}
