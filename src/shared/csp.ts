/**
 * `monetization-src` (WM spec, a CSP fetch directive) as far as an extension can see it: policies a
 * page declares in <meta http-equiv="Content-Security-Policy">. Header policies are invisible to
 * content scripts. Like every fetch directive it falls back to `default-src`. Source matching follows
 * CSP3 §6.7.2 for what a URL can match: `*`, `'self'`, `'none'`, scheme sources and host sources
 * (wildcard subdomains, ports, paths); nonces, hashes and other keywords match no URL.
 */

/** The source list that governs monetization in one policy, or null if the policy does not restrict it. */
export function monetizationSources(policy: string): string[] | null {
  let fallback: string[] | null = null
  for (const directive of policy.split(';')) {
    const [name, ...values] = directive.trim().split(/\s+/)
    const key = name?.toLowerCase()
    if (key === 'monetization-src') return values
    if (key === 'default-src' && fallback === null) fallback = values
  }
  return fallback
}

/**
 * Whether every policy allows `url` (`pageUrl` gives 'self'). `ignorePath` is for redirect hops. Never
 * throws: policies come from the page, and an unparsable URL matches no source.
 */
export function allowedByPolicies(url: string, policies: readonly string[], pageUrl: string, ignorePath = false): boolean {
  // Parsed once, not once per source: a page's policy may list thousands of them.
  const urls = parseBoth(url, pageUrl)
  return policies.every((p) => {
    const sources = monetizationSources(p)
    return sources === null || (urls !== null && sources.some((s) => matchesParsed(s, urls.url, urls.page, ignorePath)))
  })
}

/** Whether one source expression allows `rawUrl`; false for anything unparsable, never an exception. */
export function matchesSource(source: string, rawUrl: string, pageUrl: string, ignorePath = false): boolean {
  const urls = parseBoth(rawUrl, pageUrl)
  return urls !== null && matchesParsed(source, urls.url, urls.page, ignorePath)
}

function parseBoth(rawUrl: string, pageUrl: string): { url: URL; page: URL } | null {
  try {
    return { url: new URL(rawUrl), page: new URL(pageUrl) }
  } catch {
    return null
  }
}

function matchesParsed(source: string, url: URL, page: URL, ignorePath: boolean): boolean {
  const s = source.trim()
  const lower = s.toLowerCase()
  if (lower === "'none'") return false
  if (lower === '*') return ['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol) || url.protocol === page.protocol
  if (lower === "'self'") {
    return url.host === page.host && (url.protocol === page.protocol || (page.protocol === 'http:' && url.protocol === 'https:'))
  }
  if (lower.startsWith("'")) return false // nonces, hashes, 'unsafe-*', 'strict-dynamic'…
  const scheme = /^([a-z][a-z0-9+.-]*):$/.exec(lower)
  if (scheme !== null) return schemeMatches(scheme[1] ?? '', url.protocol.slice(0, -1))
  // Scheme and host compare case-insensitively; the path is compared as written (CSP3 §6.7.2.10).
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*|\*\.[^/:]+|[^/:*]+)(?::(\*|\d+))?(\/.*)?$/i.exec(s)
  if (m === null) return false
  const [, rawScheme, rawHost = '', port, path] = m
  const sourceScheme = rawScheme?.toLowerCase()
  const host = rawHost.toLowerCase()
  const urlScheme = url.protocol.slice(0, -1)
  if (sourceScheme !== undefined ? !schemeMatches(sourceScheme, urlScheme) : !schemeMatches(page.protocol.slice(0, -1), urlScheme)) return false
  if (!hostMatches(host, url.hostname.toLowerCase())) return false
  if (!portMatches(port, url, sourceScheme ?? page.protocol.slice(0, -1))) return false
  if (ignorePath || path === undefined || path === '/' || path === '') return true
  const urlPath = decodePath(url.pathname)
  const sourcePath = decodePath(path)
  // A path with a malformed escape names no path we can compare: it matches nothing (fails closed, so
  // a page's garbled policy refuses the receiver rather than crashing the worker or allowing it).
  if (urlPath === null || sourcePath === null) return false
  return sourcePath.endsWith('/') ? urlPath.startsWith(sourcePath) : urlPath === sourcePath
}

/** Percent-decodes a path, or null where decodeURIComponent would throw (`%zz`, `%E0%A4%A`, invalid UTF-8). */
function decodePath(path: string): string | null {
  try {
    return decodeURIComponent(path)
  } catch {
    return null
  }
}

/** A source scheme allows itself and its secure upgrade (http → https, ws → wss). */
function schemeMatches(source: string, scheme: string): boolean {
  return source === scheme || (source === 'http' && scheme === 'https') || (source === 'ws' && scheme === 'wss')
}

function hostMatches(source: string, host: string): boolean {
  if (source === '*') return true
  if (source.startsWith('*.')) return host.endsWith(source.slice(1))
  return source === host
}

// A Map, not an object literal: a scheme the page names (`constructor:`) finds no port, not Object.prototype's members.
const DEFAULT_PORTS = new Map([['http', '80'], ['https', '443'], ['ws', '80'], ['wss', '443']])

function portMatches(source: string | undefined, url: URL, sourceScheme: string): boolean {
  const urlPort = url.port === '' ? DEFAULT_PORTS.get(url.protocol.slice(0, -1)) : url.port
  if (source === '*') return true
  if (source === undefined) return urlPort === DEFAULT_PORTS.get(sourceScheme) || (sourceScheme === 'http' && urlPort === '443')
  return source === urlPort
}
