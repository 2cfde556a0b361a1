// Pages are told, not polling: a burst of changes becomes one notice now and one after it, never a
// notice per change; a page that left is told nothing.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { CHANGE_INTERVAL_MS, UiChanges } from '../../src/background/messaging/ui-changes.ts'
import { fakePort } from './fakes.ts'

beforeEach(() => { vi.useFakeTimers() })
afterEach(() => { vi.useRealTimers() })

describe('UiChanges', () => {
  it('coalesces a burst into a notice at once and one when the interval is over', async () => {
    const changes = new UiChanges(() => Date.now())
    const a = fakePort()
    changes.watch(a.port)
    for (let i = 0; i < 100; i++) changes.changed()
    expect(a.posted).toEqual([{ type: 'changed' }])
    await vi.advanceTimersByTimeAsync(CHANGE_INTERVAL_MS)
    expect(a.posted).toHaveLength(2)
    await vi.advanceTimersByTimeAsync(10 * CHANGE_INTERVAL_MS)
    expect(a.posted).toHaveLength(2) // nothing changed since
  })

  it('tells every watching page, and stops telling one that disconnected', async () => {
    const changes = new UiChanges(() => Date.now())
    const a = fakePort()
    const b = fakePort()
    changes.watch(a.port)
    changes.watch(b.port)
    changes.changed()
    b.drop() // the page closed
    await vi.advanceTimersByTimeAsync(CHANGE_INTERVAL_MS)
    changes.changed()
    expect(a.posted).toHaveLength(2)
    expect(b.posted).toHaveLength(1)
    expect(changes.watching).toBe(1)
  })
})
