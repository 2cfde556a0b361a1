import { describe, expect, it } from 'vitest'
import { RedirectWatch } from '../../src/background/payment/redirect-watch.ts'

const ORIGIN = 'chrome-extension://abc'
const hop = (url: string, to: string, extra: Partial<{ tabId: number; initiator: string }> = {}) => ({ url, redirectUrl: to, tabId: -1, initiator: ORIGIN, ...extra })

describe('the redirect watch', () => {
  it('gives the target of a redirect reported before or after the lookup asks', async () => {
    let t = 1000
    const watch = new RedirectWatch(ORIGIN, () => t)
    watch.observed(hop('https://a.example/p', 'https://b.example/p'))
    expect(await watch.target('https://a.example/p', 1000)).toBe('https://b.example/p')
    const later = watch.target('https://c.example/p', 1000)
    t = 1005
    watch.observed(hop('https://c.example/p', 'https://d.example/p'))
    expect(await later).toBe('https://d.example/p')
  })

  it('uses each report once, and none from before the request was sent', async () => {
    let t = 1000
    const watch = new RedirectWatch(ORIGIN, () => t)
    watch.observed(hop('https://a.example/p', 'https://old.example/'))
    t = 2000
    expect(await watch.target('https://a.example/p', 1500, 20)).toBeNull()
    watch.observed(hop('https://a.example/p', 'https://new.example/'))
    expect(await watch.target('https://a.example/p', 1500)).toBe('https://new.example/')
    expect(await watch.target('https://a.example/p', 1500, 20)).toBeNull()
  })

  it('ignores requests of pages and of other extensions', async () => {
    const watch = new RedirectWatch(ORIGIN, () => 1000)
    watch.observed(hop('https://a.example/p', 'https://evil.example/', { tabId: 7 }))
    watch.observed(hop('https://a.example/p', 'https://evil.example/', { initiator: 'chrome-extension://other' }))
    expect(await watch.target('https://a.example/p', 0, 20)).toBeNull()
  })
})
