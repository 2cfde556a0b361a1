/**
 * Finds a document's monetization tags: the first `<meta name="monetization">` in `<head>` (WM v1: one
 * meta at a time, in the head) and every enabled `<link rel="monetization">` (current spec), in document
 * order. Values are returned as written; the worker validates them.
 */
export interface FoundTag { kind: 'meta' | 'link'; value: string }

export function findTags(doc: Document): FoundTag[] {
  const found: FoundTag[] = []
  const head = doc.head
  if (head !== null) {
    for (const meta of head.querySelectorAll('meta[name]')) {
      if (meta.getAttribute('name')?.trim().toLowerCase() === 'monetization') {
        found.push({ kind: 'meta', value: meta.getAttribute('content') ?? '' })
        break
      }
    }
  }
  for (const link of doc.querySelectorAll('link[rel]')) {
    if (!(link instanceof HTMLLinkElement) || !isMonetizationLink(link) || link.hasAttribute('disabled')) continue
    found.push({ kind: 'link', value: link.getAttribute('href') ?? '' })
  }
  return found
}

/** The elements that carry a tag the worker named: the links with that href, or the first meta. */
export function findTagElements(doc: Document, tag: FoundTag): Element[] {
  if (tag.kind === 'link') {
    return [...doc.querySelectorAll('link[rel]')].filter((l) =>
      l instanceof HTMLLinkElement && isMonetizationLink(l) && !l.hasAttribute('disabled') && (l.getAttribute('href') ?? '') === tag.value)
  }
  return []
}

/** The Content-Security-Policy a page declares in <meta http-equiv> (headers are not visible here). */
export function findMetaPolicies(doc: Document): string[] {
  const policies: string[] = []
  for (const meta of doc.head?.querySelectorAll('meta[http-equiv]') ?? []) {
    if (meta.getAttribute('http-equiv')?.trim().toLowerCase() === 'content-security-policy') policies.push(meta.getAttribute('content') ?? '')
  }
  return policies
}

/** rel keywords are ASCII case-insensitive (HTML); DOMTokenList.contains is not. */
const isMonetizationLink = (link: HTMLLinkElement): boolean =>
  [...link.relList].some((token) => token.toLowerCase() === 'monetization')

/**
 * Watches for changes that could alter what findTags (or the frame grants) see, at a cost that does not
 * grow with the page's own DOM churn: no work per added node, no selector per mutation. One observer
 * for the tag attributes (the browser filters those records itself), and one for the tree whose
 * callback ignores its records and compares the elements that can carry a tag (the head, its metas,
 * the links, the iframes: a live list each, kept by the browser) with those it saw last time. A page
 * that only moves its own divs around costs one comparison per batch of mutations.
 */
export function watchTags(doc: Document, changed: () => void): () => void {
  const links = doc.getElementsByTagName('link')
  const iframes = doc.getElementsByTagName('iframe')
  let head: HTMLHeadElement | null = null
  let metas: HTMLCollectionOf<HTMLMetaElement> | null = null
  let seen: Element[] = []
  const current = (): Element[] => {
    if (doc.head !== head) {
      head = doc.head
      metas = head?.getElementsByTagName('meta') ?? null
    }
    const now: Element[] = head === null ? [] : [head]
    for (const list of [metas, links, iframes]) {
      if (list === null) continue
      for (let i = 0; i < list.length; i++) now.push(list[i] as Element)
    }
    return now
  }
  const sameAsSeen = (now: Element[]): boolean => now.length === seen.length && now.every((el, i) => el === seen[i])
  seen = current()
  const tree = new MutationObserver(() => {
    const now = current()
    if (sameAsSeen(now)) return
    seen = now
    changed()
  })
  // Only the tag elements' own attributes count: a page rewriting its anchors' hrefs costs a name check each.
  const attributes = new MutationObserver((records) => {
    if (records.some((r) => TAG_ELEMENTS.has(r.target.nodeName))) changed()
  })
  tree.observe(doc, { childList: true, subtree: true })
  attributes.observe(doc, { subtree: true, attributes: true, attributeFilter: ['name', 'content', 'rel', 'href', 'disabled'] })
  return () => {
    tree.disconnect()
    attributes.disconnect()
  }
}

const TAG_ELEMENTS = new Set(['META', 'LINK', 'IFRAME'])
