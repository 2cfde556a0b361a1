// The toolbar button: every status maps to its state (badge text, colour, tooltip in words, icon), and
// the action API is called only when a tab's state changed, for tabs that are still open.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ICON_PATHS, iconSource, Toolbar, toolbarState, TOOLBAR_INTERVAL_MS, type ActionApi, type ToolbarFacts, type ToolbarState } from '../../src/background/pages/toolbar.ts'
import { PAY_PHASES, type PayPhase, type TabStatus } from '../../src/shared/status.ts'
import { quiet } from './fakes.ts'
import { readFileSync } from 'node:fs'
import { inflateSync } from 'node:zlib'

const HOST = 'receiver.example'
const facts = (over: Partial<ToolbarFacts> = {}): ToolbarFacts => ({ uplink: 'connected', paused: false, sitePaused: false, idle: false, limit: () => 'budget', ...over })
const monetized = (phase: PayPhase, over: Partial<Extract<TabStatus, { kind: 'monetized' }>> = {}): TabStatus => ({
  kind: 'monetized', phase, reason: null, receiverHost: HOST, input: `https://${HOST}/pay`, sent: null, delivered: null,
  seenAt: 0, firstPaidAt: null, timeline: [], ...over,
})

describe('toolbarState', () => {
  it.each([
    [{ kind: 'unavailable' }, 'inactive', 'Trickle does not run on this page.'],
    [{ kind: 'not-monetized' }, 'not-monetized', 'Trickle: this page is not monetized.'],
    [{ kind: 'never' }, 'never', 'Trickle: you chose never to pay this site.'],
    [{ kind: 'invalid', input: 'nonsense', reason: 'Not a pointer.' }, 'unpayable', 'Trickle: this page\'s monetization tag cannot be paid.'],
  ] as [TabStatus, string, string][])('a page Trickle does not pay (%o): no badge, the grey icon, a tooltip', (status, kind, title) => {
    expect(toolbarState(status, facts())).toEqual({ kind, text: '', color: '', title, icon: 'muted' })
  })

  const paid: [string, TabStatus, Partial<ToolbarFacts>, Omit<ToolbarState, 'icon'>][] = [
    ['paying', monetized('paying'), {}, { kind: 'paying', text: 'ON', color: '#1a7f37', title: `Trickle is paying ${HOST}.` }],
    ['resolving', monetized('resolving'), {}, { kind: 'starting', text: '…', color: '#0969da', title: `Trickle is connecting to ${HOST}.` }],
    ['connecting', monetized('connecting'), {}, { kind: 'starting', text: '…', color: '#0969da', title: `Trickle is connecting to ${HOST}.` }],
    ['retrying', monetized('retrying'), {}, { kind: 'starting', text: '…', color: '#0969da', title: `Trickle is connecting to ${HOST}.` }],
    ['retrying, the uplink down', monetized('retrying'), { uplink: 'failed' }, { kind: 'attention-uplink', text: '!', color: '#cf222e', title: 'Trickle needs you: your Interledger account cannot be reached.' }],
    ['connecting, the uplink down', monetized('connecting'), { uplink: 'failed' }, { kind: 'attention-uplink', text: '!', color: '#cf222e', title: 'Trickle needs you: your Interledger account cannot be reached.' }],
    ['no uplink', monetized('no-uplink'), { uplink: 'not-configured' }, { kind: 'attention-setup', text: '!', color: '#cf222e', title: 'Trickle needs you: no Interledger account is set up yet.' }],
    ['failed', monetized('failed'), {}, { kind: 'attention-receiver', text: '!', color: '#cf222e', title: `Trickle needs you: ${HOST} refused or kept failing. Reload the page to try again.` }],
    ['at the budget', monetized('limit'), {}, { kind: 'limit-budget', text: 'MAX', color: '#9a6700', title: 'Trickle stopped: your budget for this period is used up.' }],
    ['at the site\'s cap', monetized('limit'), { limit: () => 'cap' }, { kind: 'limit-cap', text: 'MAX', color: '#9a6700', title: 'Trickle stopped: this site has reached its cap for this period.' }],
    ['paused, hidden', monetized('paused'), {}, { kind: 'paused-hidden', text: 'II', color: '#57606a', title: 'Trickle paused: this page is not in view.' }],
    ['paused, idle', monetized('paused'), { idle: true }, { kind: 'paused-idle', text: 'II', color: '#57606a', title: 'Trickle paused: you seem to be away. Payment resumes when you are back.' }],
    ['paused by the user, all', monetized('paused'), { paused: true, idle: true }, { kind: 'paused-all', text: 'II', color: '#57606a', title: 'Trickle paused: you paused all payments.' }],
    ['paused by the user, the site', monetized('paused'), { sitePaused: true, idle: true }, { kind: 'paused-site', text: 'II', color: '#57606a', title: 'Trickle paused: you paused this site.' }],
    ['simulated', monetized('paying', { simulated: true }), {}, { kind: 'simulated', text: 'SIM', color: '#8250df', title: `Trickle is simulating payment to ${HOST}: no money moves.` }],
  ]
  it.each(paid)('a monetized page, %s: a badge in words on its colour, and the tooltip', (_name, status, over, expected) => {
    expect(toolbarState(status, facts(over))).toEqual({ ...expected, icon: 'active' })
  })

  it('covers every phase, and each badge of a paid page has text (it reads without its colour)', () => {
    const covered = new Set(paid.map(([, s]) => (s.kind === 'monetized' ? s.phase : null)))
    expect(PAY_PHASES.filter((p) => !covered.has(p))).toEqual([])
    for (const phase of PAY_PHASES) {
      const state = toolbarState(monetized(phase), facts())
      expect(state.text.length).toBeGreaterThan(0)
      expect(state.text.length).toBeLessThanOrEqual(4)
      expect(state.title).not.toMatch(/^toolbar_/) // a message, not its key
    }
  })

  it('asks which limit binds only at a limit', () => {
    const limit = vi.fn(() => 'cap' as const)
    toolbarState(monetized('paying'), facts({ limit }))
    toolbarState(monetized('paused'), facts({ limit }))
    expect(limit).not.toHaveBeenCalled()
    toolbarState(monetized('limit'), facts({ limit }))
    expect(limit).toHaveBeenCalledTimes(1)
  })
})

/** An action API that records every call. */
function fakeAction(opts: { failing?: boolean } = {}) {
  const calls: { method: keyof ActionApi; tabId: number; value: unknown }[] = []
  const record = (method: keyof ActionApi) => (d: { tabId: number } & Record<string, unknown>): Promise<void> => {
    calls.push({ method, tabId: d.tabId, value: d.text ?? d.color ?? d.title ?? d.path })
    return opts.failing === true ? Promise.reject(new Error('No tab with id')) : Promise.resolve()
  }
  const action: ActionApi = { setBadgeText: record('setBadgeText'), setBadgeBackgroundColor: record('setBadgeBackgroundColor'), setTitle: record('setTitle'), setIcon: record('setIcon') }
  return { action, calls }
}

describe('Toolbar', () => {
  const statuses = new Map<number, TabStatus>()
  const stateOf = vi.fn((tabId: number) => toolbarState(statuses.get(tabId) ?? { kind: 'unavailable' }, facts()))
  beforeEach(() => {
    vi.useFakeTimers()
    statuses.clear()
    stateOf.mockClear()
  })
  afterEach(() => { vi.useRealTimers() })

  it('sets a new tab\'s button once, then calls nothing while its state stays the same', async () => {
    const { action, calls } = fakeAction()
    const toolbar = new Toolbar({ action, stateOf, log: quiet })
    statuses.set(7, monetized('paying'))
    toolbar.track(7, true)
    await vi.advanceTimersByTimeAsync(TOOLBAR_INTERVAL_MS)
    expect(calls).toEqual([
      { method: 'setBadgeText', tabId: 7, value: 'ON' },
      { method: 'setBadgeBackgroundColor', tabId: 7, value: '#1a7f37' },
      { method: 'setTitle', tabId: 7, value: `Trickle is paying ${HOST}.` },
      { method: 'setIcon', tabId: 7, value: ICON_PATHS.active },
    ])
    calls.length = 0
    // Payments go on (a change notice each second): the state is read again, the API not called.
    for (let i = 0; i < 10; i++) {
      toolbar.changed()
      await vi.advanceTimersByTimeAsync(1000)
    }
    expect(stateOf.mock.calls.length).toBeGreaterThanOrEqual(10)
    expect(calls).toEqual([])
  })

  it('calls only what changed: paying → paused sets text, colour and title; the icon stays', async () => {
    const { action, calls } = fakeAction()
    const toolbar = new Toolbar({ action, stateOf, log: quiet })
    statuses.set(3, monetized('paying'))
    toolbar.track(3, true)
    await vi.advanceTimersByTimeAsync(TOOLBAR_INTERVAL_MS)
    calls.length = 0
    statuses.set(3, monetized('paused'))
    toolbar.changed()
    await vi.advanceTimersByTimeAsync(TOOLBAR_INTERVAL_MS)
    expect(calls.map((c) => c.method)).toEqual(['setBadgeText', 'setBadgeBackgroundColor', 'setTitle'])
    calls.length = 0
    statuses.set(3, { kind: 'not-monetized' })
    toolbar.changed()
    await vi.advanceTimersByTimeAsync(TOOLBAR_INTERVAL_MS)
    // No badge: no colour to set; the grey icon.
    expect(calls).toEqual([
      { method: 'setBadgeText', tabId: 3, value: '' },
      { method: 'setTitle', tabId: 3, value: 'Trickle: this page is not monetized.' },
      { method: 'setIcon', tabId: 3, value: ICON_PATHS.muted },
    ])
  })

  it('coalesces a burst of changes into one pass', async () => {
    const { action } = fakeAction()
    const toolbar = new Toolbar({ action, stateOf, log: quiet })
    toolbar.track(1, true)
    toolbar.track(2, true)
    for (let i = 0; i < 50; i++) toolbar.changed()
    await vi.advanceTimersByTimeAsync(TOOLBAR_INTERVAL_MS)
    expect(stateOf.mock.calls.map(([id]) => id)).toEqual([1, 2])
  })

  it('sets a tab afresh when its top document is new (the browser reset it), not for a frame', async () => {
    const { action, calls } = fakeAction()
    const toolbar = new Toolbar({ action, stateOf, log: quiet })
    statuses.set(5, monetized('paying'))
    toolbar.track(5, true)
    await vi.advanceTimersByTimeAsync(TOOLBAR_INTERVAL_MS)
    calls.length = 0
    toolbar.track(5, false) // an iframe's port
    await vi.advanceTimersByTimeAsync(TOOLBAR_INTERVAL_MS)
    expect(calls).toEqual([])
    toolbar.track(5, true) // a reload: same state, but the browser cleared the button
    await vi.advanceTimersByTimeAsync(TOOLBAR_INTERVAL_MS)
    expect(calls.map((c) => c.method)).toEqual(['setBadgeText', 'setBadgeBackgroundColor', 'setTitle', 'setIcon'])
  })

  it('forgets a closed tab: no state read, no call for it', async () => {
    const { action, calls } = fakeAction()
    const toolbar = new Toolbar({ action, stateOf, log: quiet })
    statuses.set(9, monetized('paying'))
    toolbar.track(9, true)
    await vi.advanceTimersByTimeAsync(TOOLBAR_INTERVAL_MS)
    toolbar.tabRemoved(9)
    calls.length = 0
    stateOf.mockClear()
    statuses.set(9, monetized('paused'))
    toolbar.changed()
    await vi.advanceTimersByTimeAsync(TOOLBAR_INTERVAL_MS * 2)
    expect(stateOf).not.toHaveBeenCalled()
    expect(calls).toEqual([])
  })

  it('tries a tab again at the next change when the browser refused a call', async () => {
    const failing = fakeAction({ failing: true })
    const log = { ...quiet, info: vi.fn() }
    const toolbar = new Toolbar({ action: failing.action, stateOf, log })
    statuses.set(4, monetized('paying'))
    toolbar.track(4, true)
    await vi.advanceTimersByTimeAsync(TOOLBAR_INTERVAL_MS)
    expect(log.info).toHaveBeenCalled()
    failing.calls.length = 0
    toolbar.changed()
    await vi.advanceTimersByTimeAsync(TOOLBAR_INTERVAL_MS)
    expect(failing.calls.map((c) => c.method)).toEqual(['setBadgeText', 'setBadgeBackgroundColor', 'setTitle', 'setIcon'])
  })
})

/** The RGBA pixels of one of the package's PNGs (as build/icons.ts writes them: one IDAT, no row filter). */
function pngPixels(file: string): { size: number; rgba: Uint8Array } {
  const png = readFileSync(new URL(`../../public/icons/${file}`, import.meta.url))
  const idat: Buffer[] = []
  let size = 0
  for (let at = 8; at < png.length;) {
    const length = png.readUInt32BE(at)
    const type = png.toString('ascii', at + 4, at + 8)
    if (type === 'IHDR') size = png.readUInt32BE(at + 8)
    if (type === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + length))
    at += 12 + length
  }
  const raw = inflateSync(Buffer.concat(idat))
  const rgba = new Uint8Array(size * size * 4)
  for (let y = 0; y < size; y++) {
    expect(raw[y * (size * 4 + 1)]).toBe(0)
    rgba.set(raw.subarray(y * (size * 4 + 1) + 1, (y + 1) * (size * 4 + 1)), y * size * 4)
  }
  return { size, rgba }
}

describe('iconSource', () => {
  afterEach(() => { vi.unstubAllGlobals() })

  // First: the pixels, once drawn, are kept for the worker's life.
  it('gives the files\' paths where there is no ImageData', () => {
    vi.stubGlobal('ImageData', undefined)
    expect(iconSource('active')).toEqual({ path: ICON_PATHS.active })
  })

  it('gives the browser pixels (no image to decode at each call), the same image as the package\'s PNGs, drawn once', () => {
    class FakeImageData { constructor(readonly data: Uint8ClampedArray, readonly width: number, readonly height: number) {} }
    vi.stubGlobal('ImageData', FakeImageData)
    for (const [icon, prefix] of [['active', 'trickle'], ['muted', 'trickle-muted']] as const) {
      const source = iconSource(icon)
      if (!('imageData' in source)) throw new Error('expected pixels')
      for (const size of [16, 32]) {
        const png = pngPixels(`${prefix}-${size}.png`)
        const pixels = source.imageData[size] as unknown as FakeImageData
        expect([pixels.width, pixels.height, png.size]).toEqual([size, size, size])
        expect(Buffer.from(pixels.data).equals(Buffer.from(png.rgba))).toBe(true)
      }
      expect(iconSource(icon)).toBe(source)
    }
  })
})
