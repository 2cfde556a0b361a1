/**
 * The one place where the Chromium and Firefox builds differ. Both come from the same `manifest.json`
 * and the same code; `manifestFor` rewrites what Firefox needs:
 *
 * - an event page (`background.scripts`) instead of a service worker: Firefox runs MV3 backgrounds
 *   as event pages (stopped when idle, like a service worker, but a document);
 * - `browser_specific_settings.gecko`: an id (a GUID, so it claims no domain), the oldest Firefox
 *   with everything Trickle uses (140: MV3 `world: "MAIN"` content scripts, `storage.session`, and the
 *   built-in data-consent prompt), and what Trickle transmits, declared for that prompt (see
 *   docs/PERMISSIONS.md);
 * - no `minimum_chrome_version`, which Firefox does not read.
 *
 * Everything else, the content security policy included, is shared (docs/FIREFOX.md says why the
 * policy is written out rather than left to each browser's default).
 */
import type { crx } from '@crxjs/vite-plugin'
import base from '../manifest.json' with { type: 'json' }

export type Target = 'chromium' | 'firefox'
type Manifest = Parameters<typeof crx>[0]['manifest']

export const TARGETS: readonly Target[] = ['chromium', 'firefox']

/** The build target from TRICKLE_TARGET (default: chromium). */
export function targetFrom(env: Record<string, string | undefined>): Target {
  const value = env.TRICKLE_TARGET ?? 'chromium'
  if (!(TARGETS as readonly string[]).includes(value)) throw new Error(`TRICKLE_TARGET must be one of ${TARGETS.join(', ')}; got "${value}"`)
  return value as Target
}

/** Where each target's unpacked build goes. */
export const OUT_DIR: Record<Target, string> = { chromium: 'dist', firefox: 'dist-firefox' }

export const GECKO_ID = '{60d7018b-b521-418e-b235-5644b4048790}'
export const FIREFOX_MIN_VERSION = '140.0'

export function manifestFor(target: Target): Manifest {
  if (target === 'chromium') return base
  const rest: Record<string, unknown> = { ...base }
  delete rest.minimum_chrome_version
  return {
    ...rest,
    background: { scripts: [base.background.service_worker], type: 'module' },
    browser_specific_settings: {
      gecko: {
        id: GECKO_ID,
        strict_min_version: FIREFOX_MIN_VERSION,
        // Payments go to the user's uplink and to each site's receiver; the uplink sees which
        // receivers (so which sites) are paid, and when: payment and browsing information.
        data_collection_permissions: { required: ['financialAndPaymentInfo', 'browsingActivity'] },
      },
      // The data-consent key needs Firefox for Android 142 (the linter says so for any older minimum).
      // Trickle is not tested on Android: the README says so.
      gecko_android: { strict_min_version: '142.0' },
    },
  } as unknown as Manifest
}
