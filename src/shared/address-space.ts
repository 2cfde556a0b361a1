/**
 * Which address space a URL's host is in, as Chrome's Local Network Access ranks them: `loopback`
 * (this machine), `private` (the local network) and `public`. A page may have Trickle reach a
 * receiver only in its own address space or a more public one, so that no public page can make
 * Trickle probe the user's machine or network, which the browser refuses to the page itself.
 *
 * Only the host as written is known: an extension cannot resolve names in Chromium, so a public name
 * whose DNS answer is a private address is treated as public (docs/SECURITY.md).
 */
import { t } from './i18n.ts'
export type AddressSpace = 'loopback' | 'private' | 'public'

const RANK: Record<AddressSpace, number> = { public: 0, private: 1, loopback: 2 }

/** Name suffixes that never resolve on the public internet (mDNS, RFC 8375, common intranet TLDs). */
const LOCAL_SUFFIXES = ['.local', '.home.arpa', '.internal', '.lan', '.intranet', '.localdomain']

/** `hostname` as `URL` gives it: lower case, IPv4 normalised to dotted decimal, IPv6 in brackets. */
export function addressSpaceOf(hostname: string): AddressSpace {
  const host = hostname.toLowerCase().replace(/\.+$/, '')
  if (host.startsWith('[') && host.endsWith(']')) return ipv6Space(host.slice(1, -1))
  // An empty label (`a..b`): not a name DNS would serve publicly, and not worth the doubt.
  if (host.split('.').some((label) => label === '')) return 'private'
  const v4 = parseIpv4(host)
  if (v4 !== null) return ipv4Space(v4)
  if (host === 'localhost' || host.endsWith('.localhost')) return 'loopback'
  if (host === '' || !host.includes('.') || LOCAL_SUFFIXES.some((s) => host.endsWith(s))) return 'private'
  return 'public'
}

/** The space of a URL's host, or null if it is not a URL with a host. */
export function addressSpaceOfUrl(url: string): AddressSpace | null {
  try {
    const { hostname } = new URL(url)
    return hostname === '' ? null : addressSpaceOf(hostname)
  } catch {
    return null
  }
}

/**
 * Null if documents at `pageUrls` (a frame and the top document of its tab) may have Trickle reach
 * `targetUrl`; otherwise why not, in words for the page's event view. The least private page decides.
 */
export function reachRefusal(targetUrl: string, pageUrls: readonly string[]): string | null {
  const target = addressSpaceOfUrl(targetUrl)
  if (target === null) return t('worker_receiverNoHost')
  if (target === 'public') return null
  const pages = pageUrls.map(addressSpaceOfUrl)
  // No page, or one whose URL cannot be read, counts as public.
  const least = pages.length === 0 ? 0 : Math.min(...pages.map((s) => (s === null ? 0 : RANK[s])))
  if (RANK[target] <= least) return null
  const host = new URL(targetUrl).host
  return target === 'loopback' ? t('worker_reachLoopback', host) : t('worker_reachPrivate', host)
}

function parseIpv4(host: string): number[] | null {
  const parts = host.split('.')
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return null
  const bytes = parts.map(Number)
  return bytes.every((b) => b <= 255) ? bytes : null
}

function ipv4Space([a = 0, b = 0]: number[]): AddressSpace {
  if (a === 127 || a === 0) return 'loopback' // 0.0.0.0 reaches this machine on Linux and macOS
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private'
  if (a === 169 && b === 254) return 'private' // link-local
  if (a === 100 && b >= 64 && b <= 127) return 'private' // carrier-grade NAT, as Chrome ranks it
  if (a >= 224) return 'private' // multicast and reserved: nothing to pay there
  return 'public'
}

/** Expands an IPv6 literal into eight 16-bit groups (null if malformed). */
function ipv6Groups(text: string): number[] | null {
  // A trailing dotted IPv4 part (`::ffff:127.0.0.1`) is two groups written another way.
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  let body = text
  if (dotted !== null) {
    const v4 = parseIpv4(dotted[2] ?? '')
    if (v4 === null) return null
    const [a = 0, b = 0, c = 0, d = 0] = v4
    body = `${dotted[1] ?? ''}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const halves = body.split('::')
  if (halves.length > 2) return null
  const parse = (s: string): number[] | null => {
    if (s === '') return []
    const groups = s.split(':')
    if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null
    return groups.map((g) => parseInt(g, 16))
  }
  const head = parse(halves[0] ?? '')
  const rest = halves.length === 2 ? parse(halves[1] ?? '') : []
  if (head === null || rest === null) return null
  const fixed = head.length + rest.length
  if (halves.length === 1 ? fixed !== 8 : fixed > 7) return null
  return [...head, ...Array<number>(8 - fixed).fill(0), ...rest]
}

function ipv6Space(text: string): AddressSpace {
  const g = ipv6Groups(text)
  if (g === null) return 'private' // unreadable: never treated as public
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0
  if (zeroPrefix && g5 === 0 && g6 === 0 && (g7 === 0 || g7 === 1)) return 'loopback' // :: and ::1
  const embedded = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff]
  if (zeroPrefix && (g5 === 0xffff || g5 === 0)) return ipv4Space(embedded) // v4-mapped and v4-compatible
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return ipv4Space(embedded) // NAT64
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0xffff && g5 === 0) return ipv4Space(embedded) // SIIT ::ffff:0:a.b.c.d
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 1) return 'private' // local-use NAT64 (RFC 8215)
  if (g0 === 0x2002) return ipv4Space([g1 >> 8, g1 & 0xff, g2 >> 8, g2 & 0xff]) // 6to4 carries an IPv4 address
  if (g0 === 0x2001 && g1 === 0) return 'private' // Teredo: a tunnel to an address Trickle cannot see
  if ((g0 & 0xfe00) === 0xfc00) return 'private' // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80 || (g0 & 0xffc0) === 0xfec0) return 'private' // link-local, old site-local
  if ((g0 & 0xff00) === 0xff00) return 'private' // multicast
  return 'public'
}
