// The first-run page opens once, on install: never on an update of Trickle or of the browser.
import { describe, expect, it } from 'vitest'
import type { Runtime } from 'webextension-polyfill'
import { firstRun, WELCOME_PAGE } from '../../src/background/platform/first-run.ts'

const ORIGIN = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop/'

function fakeBrowser(fail = false) {
  const created: { url?: string }[] = []
  const warnings: unknown[][] = []
  const api = {
    runtime: { getURL: (path: string) => ORIGIN + path.replace(/^\//, '') },
    tabs: {
      create: async (props: { url?: string }) => {
        if (fail) throw new Error('no window')
        created.push(props)
        return { id: created.length }
      },
    },
  }
  const log = { info: () => undefined, warn: (...a: unknown[]) => { warnings.push(a) }, error: () => undefined }
  return { api, log, created, warnings }
}

const details = (reason: Runtime.OnInstalledReason): Runtime.OnInstalledDetailsType => ({ reason, temporary: false })

describe('the first-run page', () => {
  it('opens in a new tab when Trickle is installed', async () => {
    const b = fakeBrowser()
    firstRun(b.api, b.log)(details('install'))
    await Promise.resolve()
    expect(b.created).toEqual([{ url: `${ORIGIN}${WELCOME_PAGE}` }])
    expect(WELCOME_PAGE).toBe('src/welcome/index.html')
  })

  it.each(['update', 'chrome_update', 'shared_module_update', 'browser_update'] as const)('does not open on %s', async (reason) => {
    const b = fakeBrowser()
    firstRun(b.api, b.log)(details(reason as Runtime.OnInstalledReason))
    await Promise.resolve()
    expect(b.created).toEqual([])
  })

  it('logs a tab it could not open, and throws nothing into the event', async () => {
    const b = fakeBrowser(true)
    expect(() => firstRun(b.api, b.log)(details('install'))).not.toThrow()
    await new Promise((r) => setTimeout(r, 0))
    expect(b.warnings).toHaveLength(1)
    expect(String(b.warnings[0]?.[1])).toMatch(/no window/)
  })
})
