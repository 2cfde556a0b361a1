// @vitest-environment happy-dom
// Detection over a table of tag configurations: from the page's markup to what Trickle pays (the
// SPSP URL) or why it refuses. The content script finds tags; the worker chooses and resolves one.
import { describe, expect, it } from 'vitest'
import { payableTags, resolveTag } from '../../src/background/pages/tag-choice.ts'
import { findTags } from '../../src/content/tags.ts'

type Outcome = { pays: string } | { refuses: RegExp } | 'nothing'

function outcome(): Outcome {
  const found = findTags(document)
  const tag = payableTags(found)[0]
  if (tag === undefined) return 'nothing'
  const r = resolveTag(tag)
  return r.ok ? { pays: r.value.url } : { refuses: new RegExp('.') }
}

function check(head: string, body: string, expected: Outcome): void {
  document.head.innerHTML = head
  document.body.innerHTML = body
  const got = outcome()
  if (typeof expected === 'object' && 'refuses' in expected) {
    expect(typeof got === 'object' && 'refuses' in got).toBe(true)
    return
  }
  expect(got).toEqual(expected)
}

const META = (c: string) => `<meta name="monetization" content="${c}">`
const LINK = (h: string, extra = '') => `<link rel="monetization" href="${h}"${extra}>`
const A = 'https://a.example/alice'
const B = 'https://b.example/bob'
const refused = { refuses: /./ }

describe('detection: which receiver a page pays', () => {
  it.each<[string, string, string, Outcome]>([
    ['nothing at all', '', '', 'nothing'],
    ['a meta with a pointer', META('$a.example/alice'), '', { pays: A }],
    ['a meta with a pointer to a host only', META('$a.example'), '', { pays: 'https://a.example/.well-known/pay' }],
    ['a meta with an https URL', META(A), '', { pays: A }],
    ['a meta with surrounding spaces', META('  $a.example/alice  '), '', { pays: A }],
    ['a meta name in capitals', '<meta name="MONETIZATION" content="$a.example/alice">', '', { pays: A }],
    ['a meta with an empty content', META(''), '', refused],
    ['a meta with no content attribute', '<meta name="monetization">', '', refused],
    ['a meta with a port in its pointer', META('$a.example:8443/alice'), '', refused],
    ['a meta with a query in its pointer', META('$a.example/alice?x=1'), '', refused],
    ['a meta with userinfo in its pointer', META('$me@a.example/alice'), '', refused],
    ['a meta with a non-ASCII pointer', META('$ä.example/alice'), '', refused],
    ['a meta with plain http off localhost', META('http://a.example/alice'), '', refused],
    ['a meta with http on localhost', META('http://localhost:3000/alice'), '', { pays: 'http://localhost:3000/alice' }],
    ['a meta with javascript:', META('javascript:alert(1)'), '', refused],
    ['two metas: the first counts', META('$a.example/alice') + META('$b.example/bob'), '', { pays: A }],
    ['two metas, the first broken: still the first', META('$bad pointer') + META('$b.example/bob'), '', refused],
    ['a meta in the body is not a tag', '', META('$a.example/alice'), 'nothing'],
    ['another meta name', '<meta name="monetization:x" content="$a.example/alice">', '', 'nothing'],
    ['a link in the head', LINK(A), '', { pays: A }],
    ['a link in the body', '', LINK(A), { pays: A }],
    ['a link with rel among others', `<link rel="preconnect monetization" href="${A}">`, '', { pays: A }],
    ['a link with rel in capitals', `<link rel="Monetization" href="${A}">`, '', { pays: A }],
    ['a disabled link', LINK(A, ' disabled'), '', 'nothing'],
    ['a disabled link, then an enabled one', LINK(A, ' disabled') + LINK(B), '', { pays: B }],
    ['a link with a pointer in href', LINK('$a.example/alice'), '', refused],
    ['a link with plain http off localhost', LINK('http://a.example/alice'), '', refused],
    ['a link with http on 127.0.0.1', LINK('http://127.0.0.1:7770/alice'), '', { pays: 'http://127.0.0.1:7770/alice' }],
    ['a link with a relative href', LINK('/alice'), '', refused],
    ['a link with an empty href', LINK(''), '', refused],
    ['a link with a data: URL', LINK('data:text/plain,x'), '', refused],
    ['a link with a fragment (dropped)', LINK(A + '#x'), '', { pays: A }],
    ['a link with a query (kept: URLs are opaque)', LINK(A + '?id=1'), '', { pays: A + '?id=1' }],
    ['two links: the first in document order', LINK(A) + LINK(B), '', { pays: A }],
    ['a link in the body after one in the head', LINK(A), LINK(B), { pays: A }],
    ['meta and link: the link wins', META('$b.example/bob') + LINK(A), '', { pays: A }],
    ['link before meta: the link wins', LINK(A) + META('$b.example/bob'), '', { pays: A }],
    ['a broken link and a good meta: the link wins, and is refused', LINK('$a.example/alice') + META('$b.example/bob'), '', refused],
    ['a disabled link and a meta: the meta', LINK(A, ' disabled') + META('$b.example/bob'), '', { pays: B }],
    ['a stylesheet link is not a tag', `<link rel="stylesheet" href="${A}">`, '', 'nothing'],
    ['an alternate link is not a tag', `<link rel="alternate" href="${A}">`, '', 'nothing'],
  ])('%s', (_name, head, body, expected) => {
    check(head, body, expected)
  })
})

describe('detection follows changes over time', () => {
  it('a tag added late, changed, disabled, re-enabled and removed', () => {
    check('', '', 'nothing')
    const link = document.createElement('link')
    link.rel = 'monetization'
    link.setAttribute('href', A)
    document.head.append(link)
    expect(outcome()).toEqual({ pays: A })
    link.setAttribute('href', B)
    expect(outcome()).toEqual({ pays: B })
    link.setAttribute('disabled', '')
    expect(outcome()).toBe('nothing')
    link.removeAttribute('disabled')
    expect(outcome()).toEqual({ pays: B })
    link.rel = 'stylesheet'
    expect(outcome()).toBe('nothing')
    link.rel = 'monetization'
    link.remove()
    expect(outcome()).toBe('nothing')
  })

  it('a meta whose content changes, then a link that takes over, then goes', () => {
    check(META('$a.example/alice'), '', { pays: A })
    document.querySelector('meta')?.setAttribute('content', '$b.example/bob')
    expect(outcome()).toEqual({ pays: B })
    document.body.insertAdjacentHTML('beforeend', LINK(A))
    expect(outcome()).toEqual({ pays: A })
    document.querySelector('link')?.remove()
    expect(outcome()).toEqual({ pays: B })
  })
})
