// The attack surface the built extension declares, kept small: read from the manifest the browser
// loads (dist/, built by `npm run test:e2e`), checked against docs/PERMISSIONS.md.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EXTENSION_DIR } from '../sandbox/browser.ts'

const manifest = JSON.parse(readFileSync(resolve(EXTENSION_DIR, 'manifest.json'), 'utf8')) as Record<string, unknown>
const permissionsDoc = readFileSync(resolve(import.meta.dirname, '../../docs/PERMISSIONS.md'), 'utf8')
/** The permissions the document justifies: the first cell of each table row, in backticks. */
const justified = new Set([...permissionsDoc.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1]))

describe('the built manifest', () => {
  it('makes nothing web-accessible and lets nothing outside connect', () => {
    expect(manifest).not.toHaveProperty('web_accessible_resources')
    expect(manifest).not.toHaveProperty('externally_connectable')
  })

  it('keeps the browser\'s default CSP for extension pages, or a stricter one', () => {
    const csp = manifest.content_security_policy as { extension_pages?: string } | undefined
    if (csp?.extension_pages === undefined) return expect(csp ?? {}).toEqual({})
    expect(csp.extension_pages).not.toMatch(/unsafe-eval|unsafe-inline|https?:|\*|data:|blob:/)
    expect(csp.extension_pages).toMatch(/script-src 'self'/)
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
