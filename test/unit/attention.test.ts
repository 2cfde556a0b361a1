// Paying only while someone looks: focus from windows.getAll, idle state, and Trickle's own popup.
import { describe, expect, it } from 'vitest'
import { Attention } from '../../src/background/platform/attention.ts'

function world(focused: number[]) {
  const state = { focused }
  let changes = 0
  const a = new Attention({ focusedWindows: async () => state.focused })
  a.onChange(() => { changes += 1 })
  return { a, state, changes: () => changes }
}

describe('attention', () => {
  it('is unknown (so not in the way) until focus is first read', () => {
    expect(world([]).a.reason(1)).toBeNull()
  })

  it('pauses tabs of windows without focus, and only those', async () => {
    const { a, state, changes } = world([1])
    await a.refreshFocus()
    expect(a.reason(1)).toBeNull()
    expect(a.reason(2)).toMatch(/focus/)
    state.focused = [] // another application has focus
    await a.refreshFocus()
    expect(a.reason(1)).toMatch(/focus/)
    expect(changes()).toBe(2)
    await a.refreshFocus() // nothing changed: no event
    expect(changes()).toBe(2)
  })

  it('keeps the window paid while Trickle\'s popup is open, and looks again when it closes', async () => {
    const { a, state } = world([1])
    await a.refreshFocus()
    a.popupOpened()
    state.focused = [] // the popup took focus
    await a.refreshFocus()
    expect(a.reason(1)).toBeNull()
    a.popupClosed()
    await new Promise((r) => setTimeout(r, 0))
    expect(a.reason(1)).toMatch(/focus/)
  })

  it('pauses everything while the user is idle or the screen is locked', () => {
    const { a, changes } = world([1])
    a.setIdle('idle')
    expect(a.reason(1)).toMatch(/away/)
    a.setIdle('locked')
    expect(a.reason(1)).toMatch(/locked/)
    a.setIdle('active')
    expect(a.reason(1)).toBeNull()
    expect(changes()).toBe(3)
  })

  it('ignores an answer overtaken by a newer one', async () => {
    let release: (ids: number[]) => void = () => undefined
    const slow = new Promise<number[]>((r) => { release = r })
    const answers = [slow, Promise.resolve([2])]
    const a = new Attention({ focusedWindows: () => answers.shift() ?? Promise.resolve([2]) })
    const first = a.refreshFocus()
    await a.refreshFocus()
    release([1])
    await first
    expect(a.reason(2)).toBeNull()
    expect(a.reason(1)).toMatch(/focus/)
  })
})

describe('what the browser says is shown, against what a page says', () => {
  it('pauses a tab the browser does not show, whatever its content script claims', async () => {
    const state = { shown: [10, 20] }
    let changes = 0
    const a = new Attention({ focusedWindows: async () => [1, 2], shownTabs: async () => state.shown })
    a.onChange(() => { changes += 1 })
    await a.refreshFocus()
    expect(a.reason(1, 10)).toBeNull()
    expect(a.reason(1, 11)).toMatch(/not shown/)
    state.shown = [11, 20] // the user switched to tab 11
    await a.refreshFocus()
    expect(a.reason(1, 10)).toMatch(/not shown/)
    expect(a.reason(1, 11)).toBeNull()
    expect(changes).toBe(2)
  })

  it('keeps what it knew when the browser cannot be asked', async () => {
    let fail = false
    const a = new Attention({ focusedWindows: async () => [1], shownTabs: async () => { if (fail) throw new Error('gone'); return [10] } })
    await a.refreshFocus()
    fail = true
    await a.refreshFocus()
    expect(a.reason(1, 11)).toMatch(/not shown/)
    expect(a.reason(1, 10)).toBeNull()
  })
})
