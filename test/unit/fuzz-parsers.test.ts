// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://parent.example/page"}
// Web pages are hostile: every string a page controls (tag values, its <meta> CSP, iframe `allow` lists,
// grants, its URL) reaches a parser, most of them in the worker. By property, over arbitrary and
// adversarial input, each parser returns its verdict (a boolean, a Result) and never throws: an
// exception in the worker is an unhandled rejection that leaves the tab's state half-reconciled.
import nodeConsole from 'node:console'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { allowedByPolicies, matchesSource, monetizationSources } from '../../src/shared/csp.ts'
import { allowGrantsMonetization } from '../../src/shared/permissions-policy.ts'
import { describePointerProblem, isLoopbackHost, resolvePaymentTarget, type PointerProblem } from '../../src/shared/pointer.ts'
import { isContentEnvelope, isFrameGrant, MAX_GRANTS, MAX_TAGS_REPORTED, type ContentEnvelope } from '../../src/shared/messages.ts'
import { SEEN_TYPES } from '../../src/shared/wm-channel.ts'
import { parseDecimal } from '../../src/shared/money.ts'
import { payableTags, resolveTag, siteOf } from '../../src/background/pages/tag-choice.ts'
import { findMetaPolicies, findTags } from '../../src/content/tags.ts'
import { FrameGrants } from '../../src/content/frame-grants.ts'
import { snapshot as pageSnapshot } from './fixtures.ts'

const RUNS = { numRuns: 500 }

// ── Hostile text ─────────────────────────────────────────────────────────────────────────────────────

/** Malformed escapes: decodeURIComponent throws on each (bad hex, truncated, overlong, a surrogate). */
const UNDECODABLE = ['%', '%zz', '%E0%A4%A', '%C0%80', '%ED%A0%80', '%FF', '%e2%82']
const FRAGMENTS = [
  ...UNDECODABLE, '%2F', '%25', '%41', '%20',
  '*', '*.', "'self'", "'none'", "'src'", "'nonce-abc'", "'unsafe-inline'", ';', ',', ' ', '\t', '\n', '\f', '\u00a0', '\u2028',
  'https://', 'http://', 'wss://', 'ws:', 'data:', 'blob:', 'javascript:', 'constructor:', 'constructor', '__proto__', 'toString',
  ':', ':*', ':443', ':8443', ':99999', '/', '//', '/w/', '\\', '$', '@', '#', '?', '[', ']', '[::1]', 'localhost', '127.0.0.1',
  'x.example', 'w', 'monetization-src', 'default-src', 'monetization', 'MONETIZATION-SRC', '.well-known/pay', '..', 'xn--',
  '\u0000', '\uD800', '\uDC00', '\uDBFF\uDFFF', '😀', 'é', 'İ', 'ß', '\u212A',
]
const fragment = fc.constantFrom(...FRAGMENTS)
const join = (parts: readonly string[]): string => parts.join('')
const adversarial = fc.array(fragment, { maxLength: 24 }).map(join)
const mixed = fc.array(fc.oneof(fragment, fc.string({ unit: 'binary', maxLength: 6 })), { maxLength: 16 }).map(join)
/** 100,000 characters of a repeated adversarial pattern: what a page can write into one attribute. */
const long = fc.array(fragment, { minLength: 1, maxLength: 6 }).map((parts) => {
  const unit = join(parts)
  return unit.repeat(Math.ceil(100_000 / unit.length)).slice(0, 100_000)
})
const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'binary' }) }, // any code point, lone surrogates included
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme' }) },
  { weight: 6, arbitrary: adversarial },
  { weight: 4, arbitrary: mixed },
  { weight: 1, arbitrary: long },
)

// Near-valid URLs and source expressions share hosts, so matching gets past scheme, host and port to
// the path, where the escapes are.
const HOSTS = ['x.example', 'w.example', 'a.w.example', 'localhost', '127.0.0.1', '[::1]', 'xn--nxasmq6b.example']
const segment = fc.array(fc.oneof(fragment, fc.constantFrom('a', 'w', '/', '/w/', 'pay')), { maxLength: 8 }).map(join)
const urlLike = fc.tuple(
  fc.constantFrom('https://', 'http://', 'wss://', 'constructor://', 'HTTPS://', ''),
  fc.constantFrom(...HOSTS, '*', '*.w.example', '*.'),
  fc.constantFrom('', ':443', ':8443', ':*', ':x'),
  segment,
).map(([scheme, host, port, path]) => `${scheme}${host}${port}/${path}`)
const url = fc.oneof(urlLike, hostile, fc.webUrl())
const pageUrl = fc.oneof(fc.constantFrom('https://x.example/', 'http://x.example/a', 'constructor://x.example/', 'about:blank', ''), url)
const source = fc.oneof(urlLike, hostile, fc.constantFrom("'self'", "'none'", '*', 'https:', 'constructor:', '*.'))
const directive = fc.tuple(fc.constantFrom('monetization-src', 'default-src', 'script-src', 'MONETIZATION-SRC', ''), fc.array(source, { maxLength: 5 }))
  .map(([name, sources]) => [name, ...sources].join(' '))
const policy = fc.oneof(hostile, fc.array(directive, { maxLength: 4 }).map((ds) => ds.join(';')))
const policies = fc.array(policy, { maxLength: 4 })

const decodable = (text: string): boolean => {
  try {
    decodeURIComponent(text)
    return true
  } catch {
    return false
  }
}

// ── CSP: monetization-src ────────────────────────────────────────────────────────────────────────────

describe('monetization-src parsing never throws', () => {
  it('a path with a malformed % escape matches nothing (it threw URIError in the worker)', () => {
    // The page's policy names a path that cannot be decoded: no URL's path can equal it, so the receiver
    // is refused, a verdict the page gets (rather than an exception in the worker).
    expect(allowedByPolicies('https://x.example/w/a', ['monetization-src https://x.example/w/%zz'], 'https://page.example/')).toBe(false)
    expect(allowedByPolicies('https://x.example/w/%zz', ['monetization-src https://x.example/w/'], 'https://page.example/')).toBe(false)
    // A redirect hop ignores paths, so the escape does not matter there.
    expect(allowedByPolicies('https://x.example/w/a', ['monetization-src https://x.example/w/%zz'], 'https://page.example/', true)).toBe(true)
  })

  it('monetizationSources: null or a list of strings, for any policy', () => {
    fc.assert(fc.property(policy, (p) => {
      const sources = monetizationSources(p)
      return sources === null || (Array.isArray(sources) && sources.every((s) => typeof s === 'string'))
    }), RUNS)
  })

  it('matchesSource: a boolean, for any source, URL and page URL', () => {
    // Half the time the source names the URL's own host, so matching gets as far as the paths.
    const ownHost = fc.tuple(fc.constantFrom(...HOSTS), segment, segment)
      .map(([host, a, b]): [string, string] => [`https://${host}/${b}`, `https://${host}/${a}`])
    fc.assert(fc.property(fc.oneof(fc.tuple(source, url), ownHost), pageUrl, fc.boolean(), ([s, u], page, ignorePath) =>
      typeof matchesSource(s, u, page, ignorePath) === 'boolean'), RUNS)
  })

  it('allowedByPolicies: a boolean, for any URL, policies and page URL', () => {
    // Half the time the policy names the URL's own host, so matching gets as far as the paths.
    const ownHost = fc.tuple(fc.constantFrom(...HOSTS), segment, segment, fc.constantFrom('monetization-src', 'default-src'), policies)
      .map(([host, a, b, name, others]): [string, string[]] => [`https://${host}/${a}`, [`${name} https://${host}/${b}`, ...others]])
    const urlAndPolicies = fc.oneof(fc.tuple(url, policies), ownHost)
    fc.assert(fc.property(urlAndPolicies, pageUrl, fc.boolean(), ([u, ps], page, ignorePath) =>
      typeof allowedByPolicies(u, ps, page, ignorePath) === 'boolean'), RUNS)
  })

  it('a path that cannot be decoded, in the source or the URL, matches nothing unless paths are ignored', () => {
    const withEscape = fc.tuple(segment, fc.constantFrom(...UNDECODABLE), segment).map(join)
    fc.assert(fc.property(fc.oneof(segment, withEscape), fc.oneof(segment, withEscape), (urlPath, sourcePath) => {
      const u = `https://x.example/w/${urlPath.replace(/[\s#?]/g, '')}`
      const s = `https://x.example/w/${sourcePath.replace(/[\s;,]/g, '')}`
      const policy = [`monetization-src ${s}`]
      if (!allowedByPolicies(u, policy, 'https://page.example/', true)) return false
      const pathMatched = allowedByPolicies(u, policy, 'https://page.example/')
      const decodesBoth = decodable(new URL(u).pathname) && decodable(s.slice('https://x.example'.length).toLowerCase())
      return decodesBoth || !pathMatched
    }), RUNS)
  })
})

// ── Permissions policy: iframe allow lists ───────────────────────────────────────────────────────────

describe('allow lists never throw', () => {
  const allowList = fc.array(fc.tuple(fc.constantFrom('monetization', 'Monetization', 'autoplay', ''), fc.array(source, { maxLength: 4 }))
    .map(([feature, list]) => [feature, ...list].join(' ')), { maxLength: 4 }).map((ds) => ds.join(';'))
  const origin = fc.oneof(fc.constantFrom('https://x.example', 'https://parent.example', 'null', ''), hostile)

  it('allowGrantsMonetization: a boolean, for any allow attribute and origins', () => {
    fc.assert(fc.property(fc.oneof(fc.constant(null), allowList, hostile), origin, origin, (allow, src, parent) =>
      typeof allowGrantsMonetization(allow, src, parent) === 'boolean'), RUNS)
  })
})

// ── Payment pointers and tags ────────────────────────────────────────────────────────────────────────

const PROBLEMS: readonly PointerProblem[] = [
  'empty', 'too-long', 'not-ascii', 'whitespace', 'bad-syntax', 'userinfo', 'port', 'query', 'fragment', 'bad-host', 'insecure', 'scheme',
]
const pointerLike = fc.tuple(
  fc.constantFrom('$', 'https://', 'http://', '', ' $', '$$', 'HTTPS://'),
  fc.oneof(fc.constantFrom(...HOSTS, '[1.2.3]', '[zz]', 'a@b', ''), adversarial),
  fc.constantFrom('', ':', ':443', ':x', '?', '#', '?q#f'),
  segment,
).map(([prefix, host, tail, path]) => `${prefix}${host}${tail}/${path}`)
const tagValue = fc.oneof(pointerLike, hostile)

describe('pointers and tags never throw', () => {
  it('resolvePaymentTarget: a Result; an ok one is a URL Trickle may query, an error is a known problem', () => {
    fc.assert(fc.property(tagValue, (raw) => {
      const r = resolvePaymentTarget(raw)
      if (!r.ok) return PROBLEMS.includes(r.error) && describePointerProblem(r.error).length > 0
      const target = new URL(r.value.url)
      const secure = target.protocol === 'https:' || (target.protocol === 'http:' && isLoopbackHost(target.hostname))
      return secure && r.value.host !== '' && r.value.input === raw.trim() && ['pointer', 'url'].includes(r.value.kind)
    }), RUNS)
  })

  it('describePointerProblem: a sentence for every problem', () => {
    fc.assert(fc.property(fc.constantFrom(...PROBLEMS), (p) => describePointerProblem(p).length > 0), RUNS)
  })

  it('isLoopbackHost: a boolean, for any host', () => {
    fc.assert(fc.property(hostile, (h) => typeof isLoopbackHost(h) === 'boolean'), RUNS)
  })

  it('resolveTag: a Result with a reason a person reads, for any tag', () => {
    fc.assert(fc.property(fc.constantFrom('meta' as const, 'link' as const), tagValue, (kind, value) => {
      const r = resolveTag({ kind, value })
      if (!r.ok) return typeof r.error === 'string' && r.error.length > 0
      return kind === 'meta' || r.value.kind === 'url'
    }), RUNS)
  })

  it('siteOf: an http(s) origin or null, for any page URL', () => {
    fc.assert(fc.property(pageUrl, (u) => {
      const site = siteOf(u)
      return site === null || /^https?:\/\//.test(site)
    }), RUNS)
  })

  it('payableTags: some of the tags given, for any list', () => {
    const tag = fc.record({ kind: fc.constantFrom('meta' as const, 'link' as const), value: tagValue })
    fc.assert(fc.property(fc.array(tag, { maxLength: 70 }), (tags) => payableTags(tags).every((t) => tags.includes(t))), RUNS)
  })

  it('parseDecimal: null or a non-negative amount, for any text and scale', () => {
    const scale = fc.oneof(fc.integer({ min: -3, max: 40 }), fc.double())
    const decimalLike = fc.oneof(hostile, fc.stringMatching(/^\s*\d{0,20}(\.\d{0,25})?\s*$/))
    fc.assert(fc.property(decimalLike, scale, (text, s) => {
      const units = parseDecimal(text, s)
      return units === null || units >= 0n
    }), RUNS)
  })
})

// ── Envelopes from content scripts ───────────────────────────────────────────────────────────────────

const anything = fc.anything({
  withBigInt: true, withBoxedValues: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true,
  withObjectString: true, withTypedArray: true, withSparseArray: true, stringUnit: 'binary',
})
const uuid = fc.uuid({ version: 4 })
const boundedHostile = hostile.map((s) => s.slice(0, 4096))

/** An array the guard must judge: fine, with holes, one too long, 100,000 long, of the wrong things, not an array. */
function hostileArray<T>(item: fc.Arbitrary<T>, max: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(item, { maxLength: max }) },
    { weight: 2, arbitrary: fc.sparseArray(item, { maxLength: max, noTrailingHole: false }) },
    { weight: 1, arbitrary: fc.array(item, { minLength: max + 1, maxLength: max + 2 }) },
    { weight: 1, arbitrary: item.map((x) => new Array<T>(100_000).fill(x)) },
    { weight: 1, arbitrary: fc.array(anything, { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.array(item, { maxLength: 3 }).map((xs) => ({ ...Object.fromEntries(xs.entries()), length: xs.length })) }, // array-like
    { weight: 1, arbitrary: anything },
  )
}

const tagReport = fc.record({
  kind: fc.oneof({ weight: 6, arbitrary: fc.constantFrom('meta', 'link') }, { weight: 1, arbitrary: anything }),
  value: fc.oneof({ weight: 6, arbitrary: fc.oneof(pointerLike, boundedHostile) }, { weight: 1, arbitrary: hostile }, { weight: 1, arbitrary: anything }),
  seenAt: fc.oneof({ weight: 6, arbitrary: fc.nat() }, { weight: 1, arbitrary: anything }),
})
const validSnapshot = fc.record({
  visitId: uuid,
  tags: fc.array(fc.record({ kind: fc.constantFrom('meta', 'link'), value: fc.oneof(pointerLike, boundedHostile), seenAt: fc.nat() }), { maxLength: 8 }),
  visible: fc.boolean(),
  csp: fc.array(policy.map((p) => p.slice(0, 4096)), { maxLength: 3 }),
  grants: fc.array(uuid, { maxLength: 3 }),
  grant: fc.option(uuid, { nil: null }),
})
/** One field of a snapshot made hostile at a time, so the guard is tried on each while the rest is valid. */
const hostileSnapshotField = fc.oneof(
  { weight: 1, arbitrary: fc.tuple(fc.constant('visitId'), fc.oneof(hostile, anything)) },
  { weight: 3, arbitrary: fc.tuple(fc.constant('tags'), hostileArray(tagReport, MAX_TAGS_REPORTED)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('visible'), anything) },
  { weight: 2, arbitrary: fc.tuple(fc.constant('csp'), hostileArray(fc.oneof(policy.map((p) => p.slice(0, 4096)), hostile), 8)) },
  { weight: 2, arbitrary: fc.tuple(fc.constant('grants'), hostileArray(fc.oneof({ weight: 6, arbitrary: uuid }, { weight: 1, arbitrary: hostile }), MAX_GRANTS)) },
  { weight: 1, arbitrary: fc.tuple(fc.constant('grant'), fc.oneof(hostile, anything)) },
)
const snapshot = fc.tuple(validSnapshot, fc.option(hostileSnapshotField, { freq: 5 }))
  .map(([valid, field]): Record<string, unknown> => (field === null ? valid : { ...valid, [field[0]]: field[1] }))
const seenEvent = fc.record({
  at: fc.oneof(fc.nat(), anything),
  type: fc.oneof(fc.constantFrom(...SEEN_TYPES), hostile),
  fields: fc.oneof(
    fc.dictionary(fc.oneof(fc.string({ maxLength: 70 }), fc.constant('__proto__')), fc.oneof(fc.string(), fc.double(), fc.boolean(), fc.constant(null), anything), { maxKeys: 20 }),
    anything,
  ),
})

type Twist = 'none' | 'extra key' | 'own __proto__' | 'null prototype' | 'inherited' | 'missing key'
/** What a page (or a compromised renderer) could do to an otherwise valid object. */
function twist(value: Record<string, unknown>, how: Twist, extra: unknown): unknown {
  switch (how) {
    case 'none': return value
    case 'extra key': return { ...value, extra }
    // What JSON.parse makes of `{"__proto__": …}`: an own property, not a prototype.
    case 'own __proto__': return Object.defineProperty({ ...value }, '__proto__', { value: extra, enumerable: true, writable: true, configurable: true })
    case 'null prototype': return Object.assign(Object.create(null) as Record<string, unknown>, value)
    // `{ __proto__: … }`: the fields live on the prototype, none of them own.
    case 'inherited': return Object.create(value) as unknown
    case 'missing key': {
      const [first] = Object.keys(value)
      return Object.fromEntries(Object.entries(value).filter(([k]) => k !== first))
    }
  }
}
const twistKind = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Twist>('none') },
  { weight: 5, arbitrary: fc.constantFrom<Twist>('extra key', 'own __proto__', 'null prototype', 'inherited', 'missing key') },
)
const twisted = (inner: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> =>
  fc.tuple(inner, twistKind, anything).map(([v, how, extra]) => twist(v, how, extra))
const nearValidEnvelope = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(twisted(snapshot), twistKind, anything).map(([input, how, extra]) => twist({ type: 'page-state', input }, how, extra)) },
  { weight: 2, arbitrary: fc.tuple(twisted(seenEvent), twistKind, anything).map(([input, how, extra]) => twist({ type: 'wm-event', input }, how, extra)) },
  { weight: 1, arbitrary: fc.tuple(fc.oneof(fc.constantFrom('page-state', 'wm-event'), hostile, anything), anything).map(([type, input]) => ({ type, input })) },
)

/**
 * What the worker does with an accepted envelope, the way the monetizer does it: iterate every tag
 * (for…of visits holes), resolve it, check it against every policy. Nothing of this may throw.
 */
function workerAccepts(e: ContentEnvelope): boolean {
  if (e.type === 'wm-event') return Object.entries(e.input.fields).every(([k]) => typeof k === 'string')
  const { tags, csp, grants } = e.input
  for (const policy of csp) if (typeof policy !== 'string') return false
  for (const grant of grants) if (typeof grant !== 'string') return false
  for (const tag of payableTags(tags)) {
    const target = resolveTag(tag)
    if (target.ok && typeof allowedByPolicies(target.value.url, csp, 'https://page.example/') !== 'boolean') return false
  }
  for (const tag of tags) if (tag.kind !== 'meta' && tag.kind !== 'link') return false
  return tags.length <= MAX_TAGS_REPORTED && csp.length <= 8 && grants.length <= MAX_GRANTS
}

describe('content envelopes are judged, never thrown on', () => {
  it('isContentEnvelope: a boolean, for anything at all', () => {
    fc.assert(fc.property(anything, (v) => typeof isContentEnvelope(v) === 'boolean'), RUNS)
  })

  it('isContentEnvelope: a boolean for near-valid envelopes, and what it accepts the worker can handle', () => {
    fc.assert(fc.property(nearValidEnvelope, (v) => {
      const accepted = isContentEnvelope(v)
      return typeof accepted === 'boolean' && (!accepted || workerAccepts(v))
    }), RUNS)
  })

  it('a snapshot whose tags array has holes is refused (for…of would hand the monetizer `undefined`)', () => {
    const tags = new Array<unknown>(2)
    tags[1] = { kind: 'link', value: 'https://w.example/p', seenAt: 1 }
    const input = { ...pageSnapshot({ visitId: crypto.randomUUID() }), tags }
    expect(isContentEnvelope({ type: 'page-state', input })).toBe(false)
    expect(isContentEnvelope({ type: 'page-state', input: { ...input, tags: [tags[1]] } })).toBe(true)
  })

  it('isFrameGrant: a boolean, for anything another frame posts', () => {
    fc.assert(fc.property(fc.oneof(anything, uuid.map((trickleGrant) => ({ trickleGrant }))), (v) => typeof isFrameGrant(v) === 'boolean'), RUNS)
  })
})

// ── The content script reading a hostile DOM ─────────────────────────────────────────────────────────

describe('reading a hostile document never throws', () => {
  // happy-dom reports every iframe it declines to load on Node's own console (the one it was given
  // before vitest's), hundreds of stack traces of noise.
  beforeAll(() => { vi.spyOn(nodeConsole, 'error').mockImplementation(() => undefined) })
  afterAll(() => { vi.restoreAllMocks() })

  const attribute = fc.option(fc.oneof(hostile, fc.constantFrom('monetization', 'Monetization ', 'content-security-policy', 'preload monetization')), { nil: null })
  const element = fc.record({
    tag: fc.constantFrom('meta', 'link', 'iframe'),
    inHead: fc.boolean(),
    name: attribute, content: attribute, httpEquiv: attribute, rel: attribute, href: attribute,
    src: fc.option(fc.oneof(urlLike, hostile, fc.constantFrom('about:blank', 'data:text/html,x', '//x.example/', '/same')), { nil: null }),
    allow: fc.option(fc.oneof(hostile, fc.constantFrom('monetization', 'monetization *', "monetization 'none'")), { nil: null }),
    srcdoc: fc.boolean(),
    disabled: fc.boolean(),
  })
  type Spec = typeof element extends fc.Arbitrary<infer S> ? S : never

  // One document for every run, emptied each time (a new one per run is never freed by happy-dom).
  const doc = document.implementation.createHTMLDocument()
  function build(specs: readonly Spec[]): Document {
    doc.head.replaceChildren()
    doc.body.replaceChildren()
    for (const spec of specs) {
      const el = doc.createElement(spec.tag)
      const attrs: [string, string | null][] = [
        ['name', spec.name], ['content', spec.content], ['http-equiv', spec.httpEquiv], ['rel', spec.rel], ['href', spec.href],
        ['src', spec.src], ['allow', spec.allow], ['srcdoc', spec.srcdoc ? '' : null], ['disabled', spec.disabled ? '' : null],
      ]
      for (const [name, value] of attrs) if (value !== null) el.setAttribute(name, value)
      const parent = spec.inHead ? doc.head : doc.body
      parent.append(el)
    }
    return doc
  }

  it('findTags, findMetaPolicies and the frame grants: their lists, for any attributes', () => {
    fc.assert(fc.property(fc.array(element, { maxLength: 6 }), (specs) => {
      const doc = build(specs)
      const tags = findTags(doc)
      const policies = findMetaPolicies(doc)
      const grants = new FrameGrants(doc, window, () => crypto.randomUUID())
      const issued = grants.issued()
      grants.post()
      return tags.every((t) => (t.kind === 'meta' || t.kind === 'link') && typeof t.value === 'string') &&
        policies.every((p) => typeof p === 'string') && issued.length <= MAX_GRANTS
    }), RUNS)
  })

  it('the documents built are read: tags, policies and allowed iframes are found', () => {
    const doc = build([
      { tag: 'meta', inHead: true, name: 'monetization', content: '$w.example', httpEquiv: null, rel: null, href: null, src: null, allow: null, srcdoc: false, disabled: false },
      { tag: 'link', inHead: false, name: null, content: null, httpEquiv: null, rel: 'monetization', href: 'https://w.example/%zz', src: null, allow: null, srcdoc: false, disabled: false },
      { tag: 'meta', inHead: true, name: null, content: 'monetization-src https://w.example/%zz', httpEquiv: 'Content-Security-Policy', rel: null, href: null, src: null, allow: null, srcdoc: false, disabled: false },
      { tag: 'iframe', inHead: false, name: null, content: null, httpEquiv: null, rel: null, href: null, src: 'https://child.example/', allow: 'monetization', srcdoc: false, disabled: false },
    ])
    expect(findTags(doc)).toEqual([{ kind: 'meta', value: '$w.example' }, { kind: 'link', value: 'https://w.example/%zz' }])
    expect(findMetaPolicies(doc)).toEqual(['monetization-src https://w.example/%zz'])
    expect(new FrameGrants(doc, window, () => crypto.randomUUID()).issued()).toHaveLength(1)
  })
})
