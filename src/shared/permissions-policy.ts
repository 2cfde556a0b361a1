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
