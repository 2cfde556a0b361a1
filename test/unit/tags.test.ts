// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest'
import { findTags } from '../../src/content/tags.ts'

function doc(head: string, body = ''): Document {
  document.head.innerHTML = head
  document.body.innerHTML = body
  return document
}

describe('tag detection (the core subset; frames and the full rules come with the page API)', () => {
  it.each([
    ['no tags', '', '', []],
    ['a meta in head', '<meta name="monetization" content="$w.example/a">', '', [{ kind: 'meta', value: '$w.example/a' }]],
    ['meta name is case-insensitive', '<meta name="Monetization" content="$w.example/a">', '', [{ kind: 'meta', value: '$w.example/a' }]],
    ['only the first meta counts', '<meta name="monetization" content="$a.example"><meta name="monetization" content="$b.example">', '', [{ kind: 'meta', value: '$a.example' }]],
    ['a meta in body is ignored', '', '<meta name="monetization" content="$w.example/a">', []],
    ['other meta names are ignored', '<meta name="monetization-x" content="$w.example/a">', '', []],
    ['a link in head', '<link rel="monetization" href="https://w.example/a">', '', [{ kind: 'link', value: 'https://w.example/a' }]],
    ['a link in body', '', '<link rel="monetization" href="https://w.example/b">', [{ kind: 'link', value: 'https://w.example/b' }]],
    ['rel is a token list', '<link rel="preload monetization" href="https://w.example/a">', '', [{ kind: 'link', value: 'https://w.example/a' }]],
    ['a disabled link is ignored', '<link rel="monetization" disabled href="https://w.example/a">', '', []],
    ['both kinds, in order', '<meta name="monetization" content="$m.example"><link rel="monetization" href="https://l.example/">', '',
      [{ kind: 'meta', value: '$m.example' }, { kind: 'link', value: 'https://l.example/' }]],
    ['the written href, not the resolved one', '<link rel="monetization" href="$w.example/a">', '', [{ kind: 'link', value: '$w.example/a' }]],
  ])('%s', (_name, head, body, expected) => {
    expect(findTags(doc(head, body))).toEqual(expected)
  })
})
