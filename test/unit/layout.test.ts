// The house kept by a test: no import cycle anywhere in src/ (type-only imports count: a cycle of
// types is still a knot for the reader), and no source file over 400 lines.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const SRC = resolve(import.meta.dirname, '../../src')
const MAX_LINES = 400

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return sources(path)
    return /\.(ts|tsx)$/.test(name) && !name.endsWith('.d.ts') ? [path] : []
  })
}

/** The project files a source imports (relative specifiers only; packages are not ours). */
export function importsOf(file: string, text: string): string[] {
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g)]
    .map((m) => m[1] ?? m[2] ?? m[3] ?? '')
    // Messages (src/locales/*.json) are data: they import nothing, so no cycle runs through them.
    .filter((s) => s.startsWith('.') && !s.endsWith('.json'))
  return specifiers.map((s) => resolve(dirname(file), s))
}

/** Strongly connected components with more than one file, or a file importing itself. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0
  const indices = new Map<string, number>()
  const low = new Map<string, number>()
  const stack: string[] = []
  const onStack = new Set<string>()
  const found: string[][] = []
  const visit = (v: string): void => {
    indices.set(v, index)
    low.set(v, index)
    index++
    stack.push(v)
    onStack.add(v)
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue
      if (!indices.has(w)) {
        visit(w)
        low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0))
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) ?? 0, indices.get(w) ?? 0))
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = []
      for (let w = stack.pop(); w !== undefined; w = stack.pop()) {
        onStack.delete(w)
        component.push(w)
        if (w === v) break
      }
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component)
    }
  }
  for (const v of graph.keys()) if (!indices.has(v)) visit(v)
  return found
}

const files = sources(SRC)
const graph = new Map(files.map((f) => [f, importsOf(f, readFileSync(f, 'utf8'))]))

describe('the layout of src/', () => {
  it('reads the imports it checks (the graph is not empty, and resolves to real files)', () => {
    const edges = [...graph.values()].flat()
    expect(edges.length).toBeGreaterThan(100)
    // Besides sources: the build's own modules (the CLI reads its messages with build/locales.ts), if they exist.
    const build = (e: string): boolean => !e.startsWith(SRC) && existsSync(e)
    expect(edges.filter((e) => !graph.has(e) && !build(e)).map((e) => relative(SRC, e))).toEqual([])
  })

  it('finds a cycle when there is one (the check itself)', () => {
    expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]))).toEqual([['c', 'b', 'a']])
    expect(cycles(new Map([['a', ['b']], ['b', []]]))).toEqual([])
  })

  it('has no import cycle', () => {
    expect(cycles(graph).map((c) => c.map((f) => relative(SRC, f)).sort())).toEqual([])
  })

  it(`has no source file over ${MAX_LINES} lines`, () => {
    const lines = (text: string): number => text.split('\n').length - (text.endsWith('\n') ? 1 : 0)
    const long = files.filter((f) => lines(readFileSync(f, 'utf8')) > MAX_LINES).map((f) => relative(SRC, f))
    expect(long).toEqual([])
  })
})
