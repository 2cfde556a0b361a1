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

/** Whether a mutation could change what findTags returns, so unrelated DOM churn costs nothing. */
export function isTagMutation(record: MutationRecord): boolean {
  if (record.type === 'attributes') return isTagElement(record.target)
  for (const list of [record.addedNodes, record.removedNodes]) {
    for (const node of list) {
      if (isTagElement(node)) return true
      if (node instanceof Element && (node.nodeName === 'HEAD' || node.querySelector('meta, link, iframe') !== null)) return true
    }
  }
  return false
}

const isTagElement = (node: Node): boolean => node.nodeName === 'META' || node.nodeName === 'LINK' || node.nodeName === 'IFRAME'
