// The Firefox build's declared surface (test/cross/surface.ts), read from dist-firefox/ as Firefox
// installs it, and what only Firefox reads.
import { describe, expect, it } from 'vitest'
import { FIREFOX_MIN_VERSION, GECKO_ID } from '../../build/targets.ts'
import { declaredDataIsJustified, surfaceChecks } from '../cross/surface.ts'
import { FIREFOX_EXTENSION_DIR } from './browser.ts'

const manifest = surfaceChecks(FIREFOX_EXTENSION_DIR)

describe('the Firefox manifest', () => {
  it('runs its background as an event page, names its id and its oldest Firefox, and no Chrome minimum', () => {
    expect(manifest.background).toMatchObject({ scripts: [expect.any(String)] as unknown, type: 'module' })
    expect(manifest.background).not.toHaveProperty('service_worker')
    expect(manifest.browser_specific_settings).toMatchObject({ gecko: { id: GECKO_ID, strict_min_version: FIREFOX_MIN_VERSION } })
    expect(manifest).not.toHaveProperty('minimum_chrome_version')
  })

  it('declares the data it transmits, each category justified in docs/PERMISSIONS.md', () => {
    declaredDataIsJustified(manifest)
  })
})
