// The Chromium build's declared surface (test/cross/surface.ts), read from dist/ as Chromium loads it.
import { describe, expect, it } from 'vitest'
import { surfaceChecks } from '../cross/surface.ts'
import { EXTENSION_DIR } from '../sandbox/browser.ts'

const manifest = surfaceChecks(EXTENSION_DIR)

describe('the Chromium manifest', () => {
  it('runs its background as a service worker, from Chromium 116', () => {
    expect(manifest.background).toMatchObject({ service_worker: expect.any(String) as unknown, type: 'module' })
    expect(manifest.minimum_chrome_version).toBe('116')
    expect(manifest).not.toHaveProperty('browser_specific_settings')
  })
})
