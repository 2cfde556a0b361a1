// Header policies, kept per tab and frame by document URL, and across a worker restart.
import { describe, expect, it } from 'vitest'
import { FramePolicies, readHeaders, type SessionArea } from '../../src/background/pages/frame-policies.ts'

const doc = (tabId: number, frameId: number, url: string, headers: Record<string, string>) => ({
  tabId, frameId, url, type: frameId === 0 ? 'main_frame' : 'sub_frame',
  responseHeaders: Object.entries(headers).map(([name, value]) => ({ name, value })),
})

function memorySession(): SessionArea & { data: Record<string, unknown> } {
  const data: Record<string, unknown> = {}
  return { data, get: async (key) => ({ [key]: data[key] }), set: async (items) => { Object.assign(data, structuredClone(items)) } }
}

describe('reading response headers', () => {
  it('keeps the CSP policies that restrict monetization, one per comma, and ignores report-only', () => {
    const p = readHeaders([
      { name: 'Content-Security-Policy', value: "script-src 'self', monetization-src 'none'" },
      { name: 'content-security-policy', value: "default-src https:" },
      { name: 'Content-Security-Policy-Report-Only', value: "monetization-src 'none'" },
      { name: 'Permissions-Policy', value: 'monetization=(self)' },
    ])
    expect(p.csp).toEqual(["monetization-src 'none'", 'default-src https:'])
    expect(p.permissions).toEqual({ all: false, self: true, origins: [] })
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

  it('forgets a URL whose new response declares nothing, and a closed tab', () => {
    const f = new FramePolicies()
    f.observed(doc(1, 0, 'https://a.example/x', { 'content-security-policy': "monetization-src 'none'" }))
    f.observed(doc(1, 0, 'https://a.example/x', {}))
    expect(f.of(1, 0, 'https://a.example/x').csp).toEqual([])
    f.observed(doc(1, 0, 'https://a.example/x', { 'content-security-policy': "monetization-src 'none'" }))
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
    const session = memorySession()
    const before = new FramePolicies(session)
    before.observed(doc(4, 2, 'https://a.example/f', { 'permissions-policy': 'monetization=("https://b.example")' }))
    await new Promise((r) => setTimeout(r, 0))
    const after = new FramePolicies(session)
    await after.load()
    expect(after.of(4, 2, 'https://a.example/f').permissions).toEqual({ all: false, self: false, origins: ['https://b.example'] })
    session.data.framePolicies = { '4:2': [{ url: 'https://a.example/f', csp: 'not a list', permissions: null }], 'x:y': [] }
    const damaged = new FramePolicies(session)
    await damaged.load()
    expect(damaged.of(4, 2, 'https://a.example/f')).toEqual({ csp: [], permissions: null })
  })
})
