import { describe, expect, it } from 'vitest'
import { allowedByPolicies, matchesSource, monetizationSources } from '../../src/shared/csp.ts'

const PAGE = 'https://site.example/article'

describe('monetization-src', () => {
  it('finds the directive, or falls back to default-src, or does not restrict', () => {
    expect(monetizationSources("default-src 'self'; monetization-src https://w.example")).toEqual(['https://w.example'])
    expect(monetizationSources("script-src 'none'; default-src 'self'")).toEqual(["'self'"])
    expect(monetizationSources("script-src 'none'; img-src *")).toBeNull()
    expect(monetizationSources('MONETIZATION-SRC  https://a.example   https://b.example ')).toEqual(['https://a.example', 'https://b.example'])
  })

  it.each<[string, string, boolean]>([
    ['monetization-src https://w.example', 'https://w.example/alice', true],
    ['monetization-src https://w.example', 'https://x.example/alice', false],
    ['monetization-src https://w.example/alice', 'https://w.example/alice', true],
    ['monetization-src https://w.example/alice', 'https://w.example/bob', false],
    ['monetization-src https://w.example/pay/', 'https://w.example/pay/alice', true],
    ['monetization-src *.w.example', 'https://alice.w.example/x', true],
    ['monetization-src *.w.example', 'https://w.example/x', false],
    ['monetization-src https:', 'https://anything.example/x', true],
    ['monetization-src http:', 'https://upgraded.example/x', true],
    ['monetization-src w.example', 'https://w.example/x', true],
    ['monetization-src w.example:8443', 'https://w.example:8443/x', true],
    ['monetization-src w.example', 'https://w.example:8443/x', false],
    ['monetization-src w.example:*', 'https://w.example:8443/x', true],
    ["monetization-src 'self'", 'https://site.example/pay', true],
    ["monetization-src 'self'", 'https://w.example/pay', false],
    ["monetization-src 'none'", 'https://site.example/pay', false],
    ['monetization-src *', 'https://w.example/pay', true],
    ["monetization-src 'unsafe-inline' 'nonce-abc'", 'https://w.example/pay', false],
    ["default-src 'self'", 'https://w.example/pay', false],
    ["default-src 'self'; monetization-src https://w.example", 'https://w.example/pay', true],
    ["script-src 'none'", 'https://w.example/pay', true],
  ])('%s allows %s: %s', (policy, url, allowed) => {
    expect(allowedByPolicies(url, [policy], PAGE)).toBe(allowed)
  })

  it('every policy must allow it', () => {
    expect(allowedByPolicies('https://w.example/a', ['monetization-src https://w.example', "default-src 'self'"], PAGE)).toBe(false)
    expect(allowedByPolicies('https://w.example/a', [], PAGE)).toBe(true)
  })

  it('a path with a malformed % escape matches nothing, and never throws (it threw URIError in the worker)', () => {
    // decodeURIComponent cannot decode `%zz`: no URL's decoded path can equal such a source's, so it
    // allows nothing (the receiver is refused with a reason), whichever side carries the escape.
    expect(allowedByPolicies('https://x.example/w/a', ['monetization-src https://x.example/w/%zz'], 'https://page.example/')).toBe(false)
    expect(allowedByPolicies('https://x.example/w/%zz', ['monetization-src https://x.example/w/'], 'https://page.example/')).toBe(false)
    expect(allowedByPolicies('https://x.example/w/%E0%A4%A', ['monetization-src https://x.example/w/%E0%A4%A'], PAGE)).toBe(false)
    expect(allowedByPolicies('https://x.example/%C0%80', ['monetization-src https://x.example/'], PAGE)).toBe(true) // "/": any path
    expect(allowedByPolicies('https://x.example/w/a', ['monetization-src https://x.example/w/%zz https://x.example/w/a'], PAGE)).toBe(true)
  })

  it('escapes that decode still match as before', () => {
    expect(allowedByPolicies('https://w.example/al%69ce', ['monetization-src https://w.example/alice'], PAGE)).toBe(true)
    expect(allowedByPolicies('https://w.example/pay/%E2%82%AC', ['monetization-src https://w.example/pay/'], PAGE)).toBe(true)
  })

  it('redirect hops are matched without their path', () => {
    expect(allowedByPolicies('https://w.example/elsewhere', ['monetization-src https://w.example/alice'], PAGE, true)).toBe(true)
  })
})

describe('source paths keep their case', () => {
  it('a path written with capitals allows exactly that path', () => {
    expect(matchesSource('https://W.Example/Alice', 'https://w.example/Alice', 'https://page.example/')).toBe(true)
    expect(matchesSource('https://w.example/Alice', 'https://w.example/alice', 'https://page.example/')).toBe(false)
  })
})
