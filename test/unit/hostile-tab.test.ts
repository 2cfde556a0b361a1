// A hostile page in one tab cannot stop the others: whatever its snapshot makes fail, every other
// tab goes on paying, "Pause all" and rate changes reach every visit, and status requests answer.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { harness, monetizerWorld } from './fakes.ts'
import { links, snapshot } from './fixtures.ts'

/** A fresh visit's page, linking `receiver`, under the meta CSP policies `csp`. */
const page = (receiver: string, csp: string[] = []) => snapshot({ visitId: crypto.randomUUID(), tags: links(receiver), csp })

beforeEach(() => { vi.useFakeTimers({ now: Date.UTC(2026, 11, 1, 12) }) })
afterEach(() => { vi.useRealTimers() })

describe('a hostile tab', () => {
  it('leaves every other tab paying and obeying Pause all, even when acting on it throws', async () => {
    const h = harness()
    // Window 666 holds the hostile page; anything asked about it fails (a stand-in for any bug a
    // page's input could reach).
    const { m, state } = monetizerWorld(h, { attention: (w) => { if (w === 666) throw new Error('boom'); return null } })
    m.pageState(1, page('https://good.example/pay'), 'https://good.example/', 0, 1)
    m.pageState(2, page('https://evil.example/w/a', ['monetization-src https://evil.example/w/%zz']), 'https://evil.example/', 0, 666)
    m.pageState(3, page('https://other.example/pay'), 'https://other.example/', 0, 1)
    await vi.advanceTimersByTimeAsync(0)
    expect(h.payers).toHaveLength(2)
    for (let s = 0; s < 3; s++) {
      for (const p of h.payers) p.fulfilAll()
      await vi.advanceTimersByTimeAsync(1000)
    }
    expect(h.payers.every((p) => p.totalSent > 0n)).toBe(true)
    expect(m.status(1)).toMatchObject({ kind: 'monetized', phase: 'paying' })
    expect(m.status(3)).toMatchObject({ kind: 'monetized', phase: 'paying' })
    // The hostile tab reports again and again; focus changes; then the user pauses everything.
    m.pageState(2, page('https://evil.example/w/b', ['default-src %']), 'https://evil.example/', 0, 666)
    m.attentionChanged()
    state.settings = { ...state.settings, paused: true }
    m.settingsChanged()
    const allowed = h.payers.map((p) => p.allowance)
    for (let s = 0; s < 5; s++) {
      for (const p of h.payers) p.fulfilAll()
      await vi.advanceTimersByTimeAsync(1000)
    }
    expect(h.payers.map((p) => p.allowance)).toEqual(allowed)
    expect(m.status(1)).toMatchObject({ phase: 'paused' })
    expect(m.status(3)).toMatchObject({ phase: 'paused' })
    for (const t of [1, 2, 3]) m.tabRemoved(t)
    await vi.advanceTimersByTimeAsync(60_000)
  })
})
