// The store packages (`npm run zip`): built twice into temporary folders (dist/ is left alone), they
// are byte-identical, carry no source map and no test file, and each has its browser's manifest.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'
import { unzipSync } from 'fflate'
import { afterAll, describe, expect, it } from 'vitest'
import { makePackages } from '../../build/zip.ts'

const work = mkdtempSync(join(tmpdir(), 'trickle-zip-'))
afterAll(() => { rmSync(work, { recursive: true, force: true }) })

describe('npm run zip', () => {
  it('writes the Chromium, Firefox and source packages, the same bytes on every run', { timeout: 180_000 }, () => {
    const first = makePackages(join(work, 'a'), (t) => join(work, `build-a-${t}`))
    const second = makePackages(join(work, 'b'), (t) => join(work, `build-b-${t}`))
    expect(first.map((f) => basename(f))).toEqual(['trickle-chromium-0.1.0.zip', 'trickle-firefox-0.1.0.zip', 'trickle-source-0.1.0.zip'])
    first.forEach((file, i) => { expect(readFileSync(file).equals(readFileSync(second[i] ?? '')), basename(file)).toBe(true) })

    for (const file of first.slice(0, 2)) {
      const entries = Object.keys(unzipSync(readFileSync(file)))
      expect(entries).toContain('manifest.json')
      expect(entries.filter((e) => e.endsWith('.map') || /(^|\/)test\//.test(e) || e.endsWith('.ts'))).toEqual([])
      for (const e of entries.filter((x) => x.endsWith('.js'))) {
        expect(new TextDecoder().decode(unzipSync(readFileSync(file))[e]), e).not.toMatch(/sourceMappingURL=(?!data:)\S+\.map/)
      }
    }
    const manifestOf = (file: string): Record<string, unknown> => JSON.parse(new TextDecoder().decode(unzipSync(readFileSync(file))['manifest.json'])) as Record<string, unknown>
    expect(manifestOf(first[0] ?? '').background).toHaveProperty('service_worker')
    expect(manifestOf(first[1] ?? '').background).toHaveProperty('scripts')
    // The source archive is what is committed, build instructions included.
    const source = Object.keys(unzipSync(readFileSync(first[2] ?? '')))
    expect(source).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'manifest.json', 'build/targets.ts', 'docs/FIREFOX.md', 'src/background/index.ts']))
    expect(source.some((e) => e.startsWith('node_modules/') || e.startsWith('dist'))).toBe(false)
  })
})
