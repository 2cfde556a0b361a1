/**
 * The attack surface a built extension declares, kept small: read from the manifest the browser loads,
 * checked against docs/PERMISSIONS.md. Run on the Chromium build (test/e2e/surface.test.ts) and on
 * the Firefox build (test/firefox/surface.test.ts).
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const permissionsDoc = readFileSync(resolve(import.meta.dirname, '../../docs/PERMISSIONS.md'), 'utf8')
/** What the document justifies: the first cell of each table row, in backticks. */
const justified = new Set([...permissionsDoc.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]))

export function surfaceChecks(dir: string): Record<string, unknown> {
  const manifest = JSON.parse(readFileSync(resolve(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>

  describe(`the built manifest (${dir})`, () => {
    it('makes nothing web-accessible and lets nothing outside connect', () => {
      expect(manifest).not.toHaveProperty('web_accessible_resources')
      expect(manifest).not.toHaveProperty('externally_connectable')
    })

    it('has the written-out CSP for extension pages: own scripts only, and no upgrade of a local uplink', () => {
      const csp = (manifest.content_security_policy as { extension_pages?: string } | undefined)?.extension_pages
      expect(csp).toBe("script-src 'self'; object-src 'self'")
    })

    it('asks only for permissions docs/PERMISSIONS.md justifies', () => {
      const asked = [...(manifest.permissions as string[]), ...((manifest.optional_permissions as string[] | undefined) ?? [])]
      expect(asked.length).toBeGreaterThan(0)
      for (const p of asked) expect(justified, `${p} is not justified in docs/PERMISSIONS.md`).toContain(p)
    })

    it('reaches only the hosts its content scripts run on (https, and http on this computer)', () => {
      const hosts = manifest.host_permissions as string[]
      const scripts = manifest.content_scripts as { matches: string[]; world?: string; all_frames?: boolean }[]
      expect(hosts.sort()).toEqual(['http://127.0.0.1/*', 'http://localhost/*', 'https://*/*'])
      for (const s of scripts) expect([...s.matches].sort()).toEqual(hosts)
      expect(hosts).not.toContain('<all_urls>')
    })
  })
  return manifest
}

/** The data categories the Firefox build declares, each justified in docs/PERMISSIONS.md. */
export function declaredDataIsJustified(manifest: Record<string, unknown>): void {
  const gecko = (manifest.browser_specific_settings as { gecko?: { data_collection_permissions?: { required?: string[]; optional?: string[] } } } | undefined)?.gecko
  const declared = [...(gecko?.data_collection_permissions?.required ?? []), ...(gecko?.data_collection_permissions?.optional ?? [])]
  expect(declared.length).toBeGreaterThan(0)
  for (const d of declared) expect(justified, `${d} is not justified in docs/PERMISSIONS.md`).toContain(d)
}
