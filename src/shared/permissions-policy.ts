/**
 * Whether an <iframe>'s `allow` attribute grants `monetization` to the document it loads, parsed as a
 * permissions-policy container list (`allow="monetization; autoplay"`), never compared as a string
 * (docs/PRIOR-ART.md, WMX #575). A directive with no allowlist means `'src'`: the iframe's own origin.
 */
export function allowGrantsMonetization(allow: string | null, srcOrigin: string, parentOrigin: string): boolean {
  if (allow === null) return false
  for (const directive of allow.split(';')) {
    const [feature, ...list] = directive.trim().split(/\s+/)
    if (feature?.toLowerCase() !== 'monetization') continue
    if (list.length === 0) return true
    return list.some((item) => {
      const token = item.toLowerCase()
      if (token === '*' || token === "'src'") return true
      if (token === "'none'") return false
      if (token === "'self'") return srcOrigin === parentOrigin
      try {
        return new URL(item).origin === srcOrigin
      } catch {
        return false
      }
    })
  }
  return false
}

/** The `monetization` member of a Permissions-Policy header: who may monetize under it. */
export interface Allowlist { all: boolean; self: boolean; origins: string[] }

/**
 * The `monetization` allowlist of a document's `Permissions-Policy` response headers (several header
 * fields are one list, RFC 9651 §4.2), or null if they declare none. A header that is not a valid
 * structured-field dictionary is ignored as a whole, as browsers do.
 */
export function monetizationAllowlist(headerValues: readonly string[]): Allowlist | null {
  const members = parseDictionary(headerValues.join(','))
  if (members === null) return null
  const value = members.get('monetization')
  if (value === undefined) return null
  const items = Array.isArray(value) ? value : [value]
  const list: Allowlist = { all: false, self: false, origins: [] }
  for (const item of items) {
    if (item.kind === 'token' && item.text === '*') list.all = true
    else if (item.kind === 'token' && item.text === 'self') list.self = true
    else if (item.kind === 'string') {
      try {
        const origin = new URL(item.text).origin
        if (origin !== 'null') list.origins.push(origin)
      } catch {
        // not an origin: matches nothing
      }
    }
  }
  return list
}

/** Whether `origin` may monetize under `list` in a document whose own origin is `self`. */
export function allowlistMatches(list: Allowlist, origin: string, self: string): boolean {
  if (origin === 'null') return false
  return list.all || (list.self && origin === self) || list.origins.includes(origin)
}

type Item = { kind: 'token' | 'string' | 'other'; text: string }

/** A structured-field dictionary, values kept as bare items or inner lists (parameters dropped). */
function parseDictionary(text: string): Map<string, Item | Item[]> | null {
  const out = new Map<string, Item | Item[]>()
  let i = 0
  const ws = (): void => { while (text[i] === ' ' || text[i] === '\t') i++ }
  const key = (): string | null => {
    const m = /^[a-z*][a-z0-9_\-.*]*/.exec(text.slice(i))
    if (m === null) return null
    i += m[0].length
    return m[0]
  }
  const bare = (): Item | null => {
    if (text[i] === '"') {
      let s = ''
      for (i++; i < text.length; i++) {
        const c = text[i] ?? ''
        if (c === '\\') { s += text[++i] ?? ''; continue }
        if (c === '"') { i++; return { kind: 'string', text: s } }
        s += c
      }
      return null
    }
    // Tokens, numbers, booleans, byte sequences (:…:), dates (@…) and display strings (%"…"): the
    // value types of RFC 9651. Only tokens and strings mean anything here; the rest must not make
    // the whole header unreadable (and its `monetization=()` with it).
    const m = /^[A-Za-z*][A-Za-z0-9:/!#$%&'*+\-.^_`|~]*|^-?[0-9.]+|^\?[01]|^:[A-Za-z0-9+/=]*:|^@-?[0-9]+|^%"(?:[^"\\]|\\.)*"/.exec(text.slice(i))
    if (m === null) return null
    i += m[0].length
    return { kind: /^[:@%]/.test(m[0]) ? 'other' : 'token', text: m[0] }
  }
  const params = (): boolean => {
    while (text[i] === ';') {
      i++
      ws()
      if (key() === null) return false
      if (text[i] === '=') { i++; if (bare() === null) return false }
    }
    return true
  }
  ws()
  if (i >= text.length) return out
  for (;;) {
    const k = key()
    if (k === null) return null
    let value: Item | Item[] = { kind: 'token', text: '?1' }
    if (text[i] === '=') {
      i++
      if (text[i] === '(') {
        i++
        const list: Item[] = []
        for (;;) {
          ws()
          if (text[i] === ')') { i++; break }
          const item = bare()
          if (item === null || !params()) return null
          list.push(item)
          if (text[i] !== ' ' && text[i] !== ')') return null
        }
        value = list
      } else {
        const item = bare()
        if (item === null) return null
        value = item
      }
    }
    if (!params()) return null
    out.set(k, value)
    ws()
    if (i >= text.length) return out
    if (text[i] !== ',') return null
    i++
    ws()
    if (i >= text.length) return null
  }
}
