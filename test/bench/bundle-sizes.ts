/**
 * The built bundles' sizes against issue 14's targets: the worker (its loader and every chunk it
 * imports, transitively), the content script, the page script; raw and gzipped (each file on its own,
 * zlib's default level, as a server would send it), for the Chromium build (dist/) and the Firefox
 * build (dist-firefox/, its background script the same module graph). KB here is 1,000 bytes, as in
 * test/e2e/bundle.test.ts, which holds the build to its ceilings.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { gzipSync } from 'node:zlib'
import { EXTENSION_DIR } from '../sandbox/browser.ts'

export const FIREFOX_DIR = resolve(import.meta.dirname, '../../dist-firefox')
const KB = 1000
export const TARGETS = { worker: 200 * KB, content: 12 * KB, page: 4 * KB }
type Part = keyof typeof TARGETS

/** A module and every chunk it imports, transitively (test/e2e/bundle.test.ts holds the build to its ceilings with it). */
export function moduleGraph(entry: string): string[] {
  const seen = new Set<string>()
  const visit = (file: string): void => {
    if (seen.has(file)) return
    seen.add(file)
    const code = readFileSync(file, 'utf8')
    for (const m of code.matchAll(/(?:import|from)\s*["']([^"']+\.js)["']/g)) visit(join(dirname(file), m[1] ?? ''))
  }
  visit(entry)
  return [...seen]
}

export interface Size { files: number; bytes: number; gzip: number }
export interface BuildSizes { dir: string; sizes: Record<Part, Size> }

const sizeOf = (files: string[]): Size => ({
  files: files.length,
  bytes: files.reduce((s, f) => s + statSync(f).size, 0),
  gzip: files.reduce((s, f) => s + gzipSync(readFileSync(f)).length, 0),
})

export function bundleSizes(dir: string): BuildSizes | null {
  if (!existsSync(join(dir, 'manifest.json'))) return null
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
    background: { service_worker?: string; scripts?: string[] }
    content_scripts: { js: string[]; world?: string }[]
  }
  const entries = manifest.background.service_worker !== undefined ? [manifest.background.service_worker] : manifest.background.scripts ?? []
  const worker = [...new Set(entries.flatMap((e) => moduleGraph(join(dir, e))))]
  const script = (world: 'MAIN' | 'ISOLATED'): string[] =>
    manifest.content_scripts.filter((c) => (c.world ?? 'ISOLATED') === world).flatMap((c) => c.js.map((f) => join(dir, f)))
  return { dir, sizes: { worker: sizeOf(worker), content: sizeOf(script('ISOLATED')), page: sizeOf(script('MAIN')) } }
}

export function bundleSection(chromium: BuildSizes | null, firefox: BuildSizes | null): string {
  const kb = (b: number): string => `${(b / KB).toFixed(1)} KB`
  const label: Record<Part, string> = { worker: 'worker (loader + imported chunks)', content: 'content script', page: 'page script (main world)' }
  const cell = (b: BuildSizes | null, part: Part): string => {
    const s = b?.sizes[part]
    return s === undefined ? 'not built' : `${kb(s.bytes)} (gzip ${kb(s.gzip)})${part === 'worker' ? `, ${s.files} files` : ''}`
  }
  const verdict = (part: Part): string => {
    const s = chromium?.sizes[part]
    if (s === undefined) return ''
    return s.bytes <= TARGETS[part] ? 'met' : `not met (${(s.bytes / TARGETS[part]).toFixed(2)}× the target; gzip ${s.gzip <= TARGETS[part] ? 'within' : 'over'} it)`
  }
  return `
## Bundle sizes

The built files, raw and gzipped (each file on its own, zlib's default level); KB = 1,000 bytes. The
worker is its loader and every chunk it imports. The target is on the raw size of the Chromium build.

| bundle | Chromium (dist/) | Firefox (dist-firefox/) | target | Chromium |
|---|---|---|---|---|
${(Object.keys(TARGETS) as Part[]).map((p) => `| ${label[p]} | ${cell(chromium, p)} | ${cell(firefox, p)} | ≤ ${kb(TARGETS[p])} | ${verdict(p)} |`).join('\n')}
`
}

export const bundleSectionNow = (): string => bundleSection(bundleSizes(EXTENSION_DIR), bundleSizes(FIREFOX_DIR))
