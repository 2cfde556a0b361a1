/**
 * `npm run zip`: the store packages, built from a clean tree.
 *
 * - `packages/trickle-chromium-<version>.zip` and `packages/trickle-firefox-<version>.zip`: each
 *   target built without source maps, every file of its build and nothing else (no tests, no maps).
 * - `packages/trickle-source-<version>.zip`: the committed source (`git archive HEAD`), which
 *   Firefox's add-on review asks for when the code is bundled; docs/FIREFOX.md says how to rebuild
 *   the package from it.
 *
 * Deterministic: entries sorted, one fixed timestamp, fixed compression, so two runs on one commit
 * give identical bytes (test/e2e/zip.test.ts checks it).
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { zipSync, type Zippable } from 'fflate'
import { OUT_DIR, TARGETS, type Target } from './targets.ts'

const ROOT = resolve(import.meta.dirname, '..')
/** Zip's epoch is 1980; a fixed date there keeps the bytes the same from run to run. */
const FIXED_TIME = new Date(Date.UTC(1980, 0, 2))

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    return statSync(path).isDirectory() ? files(path) : [path]
  }).sort()
}

/** A zip of every file under `dir`, paths relative to it, in a fixed order and time. */
export function zipDirectory(dir: string): Uint8Array {
  const entries: Zippable = {}
  for (const path of files(dir)) {
    const name = relative(dir, path).split('\\').join('/')
    if (name.endsWith('.map')) throw new Error(`${name}: a release build has no source maps`)
    entries[name] = [readFileSync(path), { mtime: FIXED_TIME, level: 9 }]
  }
  return zipSync(entries, { mtime: FIXED_TIME })
}

/** Builds `target` for release (no source maps) into `buildDir` (default: the target's dist folder). */
export function buildRelease(target: Target, buildDir = join(ROOT, OUT_DIR[target])): string {
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit', env: { ...process.env, TRICKLE_TARGET: target, TRICKLE_RELEASE: '1', TRICKLE_OUT_DIR: buildDir } })
  return buildDir
}

/** Writes the three packages into `outDir`; `buildDir(target)` is where each target is built. */
export function makePackages(outDir = join(ROOT, 'packages'), buildDir?: (target: Target) => string): string[] {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')) as { version: string }
  mkdirSync(outDir, { recursive: true })
  const written: string[] = []
  for (const target of TARGETS) {
    const file = join(outDir, `trickle-${target}-${version}.zip`)
    writeFileSync(file, zipDirectory(buildRelease(target, buildDir?.(target))))
    written.push(file)
  }
  const source = join(outDir, `trickle-source-${version}.zip`)
  execFileSync('git', ['archive', '--format=zip', '-o', source, 'HEAD'], { cwd: ROOT })
  written.push(source)
  return written
}

if (import.meta.filename === process.argv[1]) {
  for (const file of makePackages()) console.log(relative(ROOT, file))
}
