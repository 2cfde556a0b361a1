// @vitest-environment happy-dom
// @vitest-environment-options {"url": "https://parent.example/page"}
// A frame's grant reaches only the document it was issued for: the parent posts each nonce with the
// iframe's own origin as target, and an iframe whose src has an opaque origin gets none.
import { describe, expect, it } from 'vitest'
import { FrameGrants } from '../../src/content/frame-grants.ts'
import { grantId } from './fixtures.ts'

function parentWith(frames: { src: string; allow?: string }[]): { grants: FrameGrants; posted: { index: number; target: string }[] } {
  document.body.innerHTML = ''
  const posted: { index: number; target: string }[] = []
  frames.forEach(({ src, allow }, index) => {
    const iframe = document.createElement('iframe')
    iframe.setAttribute('src', src)
    if (allow !== undefined) iframe.setAttribute('allow', allow)
    document.body.append(iframe)
    // What matters is the target origin each grant is posted with; the frame's window is a recorder.
    Object.defineProperty(iframe, 'contentWindow', { value: { postMessage: (_m: unknown, target: string) => { posted.push({ index, target }) } } })
  })
  let n = 0
  return { grants: new FrameGrants(document, window, () => grantId(++n)), posted }
}

describe('frame grants', () => {
  it('posts each grant to its iframe\'s own origin, never to any origin', () => {
    const own = window.location.origin
    const { grants, posted } = parentWith([
      { src: '/same' },
      { src: 'https://ads.example/frame', allow: 'monetization' },
      { src: 'https://other.example/frame' },
    ])
    expect(grants.issued()).toHaveLength(2)
    grants.post()
    expect(posted).toEqual([{ index: 0, target: own }, { index: 1, target: 'https://ads.example' }])
  })

  it('gives an iframe with an opaque-origin src (data:) no grant, whatever its allow attribute says', () => {
    const { grants, posted } = parentWith([
      { src: 'data:text/html,<p>hi</p>', allow: 'monetization *' },
      { src: 'data:text/html,<p>hi</p>', allow: 'monetization' },
    ])
    expect(grants.issued()).toEqual([])
    grants.post()
    expect(posted).toEqual([])
  })
})
