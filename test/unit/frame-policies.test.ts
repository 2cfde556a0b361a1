// Header policies, kept per tab and frame by document URL, and across a worker restart.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { FramePolicies, readHeaders, type SessionArea } from '../../src/background/pages/frame-policies.ts'
import { harness, monetizerWorld } from './fakes.ts'
import { link, snapshot, visitId } from './fixtures.ts'

const doc = (tabId: number, frameId: number, url: string, headers: Record<string, string>) => ({
  tabId, frameId, url, type: frameId === 0 ? 'main_frame' : 'sub_frame',
  responseHeaders: Object.entries(headers).map(([name, value]) => ({ name, value })),
})

function memorySession(): SessionArea & { data: Record<string, unknown> } {
  const data: Record<string, unknown> = {}
  return { data, get: async (key) => ({ [key]: data[key] }), set: async (items) => { Object.assign(data, structuredClone(items)) } }
}

afterEach(() => { vi.useRealTimers() })

describe('reading response headers', () => {
  it('keeps the CSP policies that restrict monetization, one per comma, and ignores report-only', () => {
    const p = readHeaders([
      { name: 'Content-Security-Policy', value: "script-src 'self', monetization-src 'none'" },
      { name: 'content-security-policy', value: "default-src https:" },
      { name: 'Content-Security-Policy-Report-Only', value: "monetization-src 'none'" },
      { name: 'Permissions-Policy', value: 'monetization=(self)' },
    ])
    expect(p.csp).toEqual(["monetization-src 'none'", 'monetization-src https:'])
    expect(p.permissions).toEqual({ all: false, self: true, origins: [] })
  })
})

describe('policies too large to keep whole', () => {
  it('keep only the directive that governs monetization, and refuse when even that is too long', () => {
    const hosts = Array.from({ length: 300 }, (_, i) => `https://h${i}.example`).join(' ')
    expect(readHeaders([{ name: 'content-security-policy', value: `script-src ${hosts}; monetization-src 'none'` }]).csp).toEqual(["monetization-src 'none'"])
    expect(readHeaders([{ name: 'content-security-policy', value: `monetization-src ${hosts}` }]).csp).toEqual(["monetization-src 'none'"])
  })

  it('refuse when there are more policies than are kept', () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ name: 'content-security-policy', value: i === 11 ? "monetization-src 'none'" : 'default-src *' }))
    const csp = readHeaders(many).csp
    expect(csp.length).toBeLessThanOrEqual(8)
    expect(csp.at(-1)).toBe("monetization-src 'none'")
  })

  it('keep a bounded number of frames per tab, the top document always', () => {
    const f = new FramePolicies()
    f.observed(doc(1, 0, 'https://a.example/', { 'permissions-policy': 'monetization=()' }))
    for (let i = 1; i <= 500; i++) f.observed(doc(1, i, `https://f${i}.example/`, { 'permissions-policy': 'monetization=()' }))
    expect(f.of(1, 0, 'https://a.example/').permissions).not.toBeNull()
    expect(f.of(1, 500, 'https://f500.example/').permissions).not.toBeNull()
    expect(f.of(1, 1, 'https://f1.example/').permissions).toBeNull()
  })
})

describe('frame policies', () => {
  it('answers for the document at the URL the content script reports (fragment aside)', () => {
    const f = new FramePolicies()
    f.observed(doc(1, 0, 'https://a.example/x', { 'permissions-policy': 'monetization=()' }))
    expect(f.of(1, 0, 'https://a.example/x#top').permissions).toEqual({ all: false, self: false, origins: [] })
    expect(f.of(1, 0, 'https://a.example/other')).toEqual({ csp: [], permissions: null })
    expect(f.of(1, 3, 'https://a.example/x')).toEqual({ csp: [], permissions: null })
    expect(f.of(2, 0, 'https://a.example/x')).toEqual({ csp: [], permissions: null })
  })

  it('keeps an earlier document of the frame (the back/forward cache brings it back without a request)', () => {
    const f = new FramePolicies()
    f.observed(doc(1, 0, 'https://a.example/x', { 'content-security-policy': "monetization-src 'none'" }))
    f.observed(doc(1, 0, 'https://b.example/', {}))
    expect(f.of(1, 0, 'https://a.example/x').csp).toEqual(["monetization-src 'none'"])
  })

  it('is not erased by a response that declares nothing (a 204 the page navigates to), only with its tab', () => {
    const f = new FramePolicies()
    f.observed(doc(1, 0, 'https://a.example/x', { 'content-security-policy': "monetization-src 'none'" }))
    f.observed(doc(1, 0, 'https://a.example/x', {}))
    for (let i = 0; i < 20; i++) f.observed(doc(1, 0, `https://a.example/204?${i}`, {}))
    expect(f.of(1, 0, 'https://a.example/x').csp).toEqual(["monetization-src 'none'"])
    f.tabRemoved(1)
    expect(f.of(1, 0, 'https://a.example/x').csp).toEqual([])
  })

  it('ignores requests that are not documents of a tab', () => {
    const f = new FramePolicies()
    f.observed({ ...doc(-1, 0, 'https://a.example/x', { 'permissions-policy': 'monetization=()' }) })
    f.observed({ ...doc(1, 0, 'https://a.example/y', { 'permissions-policy': 'monetization=()' }), type: 'xmlhttprequest' })
    expect(f.of(-1, 0, 'https://a.example/x').permissions).toBeNull()
    expect(f.of(1, 0, 'https://a.example/y').permissions).toBeNull()
  })

  it('is still known to a restarted worker, and a damaged session record is dropped', async () => {
    vi.useFakeTimers()
    const session = memorySession()
    const before = new FramePolicies(session)
    before.observed(doc(4, 2, 'https://a.example/f', { 'permissions-policy': 'monetization=("https://b.example")' }))
    await vi.advanceTimersByTimeAsync(100) // writes are batched: one a little after a burst of changes
    const after = new FramePolicies(session)
    await after.load()
    expect(after.of(4, 2, 'https://a.example/f').permissions).toEqual({ all: false, self: false, origins: ['https://b.example'] })
    session.data.framePolicies = { '4:2': [{ url: 'https://a.example/f', csp: 'not a list', permissions: null }], 'x:y': [] }
    const damaged = new FramePolicies(session)
    await damaged.load()
    expect(damaged.of(4, 2, 'https://a.example/f')).toEqual({ csp: [], permissions: null })
  })
})

describe('a document keeps the header policy it was first seen with', () => {
  it('even when what webRequest remembers for its URL changes later (the page navigated to 204s)', async () => {
    vi.useFakeTimers()
    const h = harness()
    let policy: { csp: string[]; permissions: null } = { csp: ["monetization-src 'none'"], permissions: null }
    const { m } = monetizerWorld(h, { headerPolicy: () => policy })
    const page = snapshot({ visitId: visitId(2) })
    m.pageState(1, page, 'https://site.example/')
    await vi.advanceTimersByTimeAsync(10)
    policy = { csp: [], permissions: null }
    m.pageState(1, { ...page, tags: [...page.tags, link('https://r.example/pay', 1)] }, 'https://site.example/')
    await vi.advanceTimersByTimeAsync(10)
    expect(h.spspCalls).toEqual([])
    // A new document of the same URL reads the policy afresh.
    m.pageState(1, { ...page, visitId: visitId(3) }, 'https://site.example/')
    await vi.advanceTimersByTimeAsync(10)
    expect(h.spspCalls.length).toBeGreaterThan(0)
    m.tabRemoved(1)
  })
})
