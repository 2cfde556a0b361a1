import { describe, expect, it } from 'vitest'
import { describePointerProblem, resolvePaymentTarget, type PointerProblem } from '../../src/shared/pointer.ts'

describe('payment pointers resolve per RFC 0026', () => {
  it.each([
    ['$example.com', 'https://example.com/.well-known/pay', 'example.com'],
    ['$example.com/', 'https://example.com/.well-known/pay', 'example.com'],
    ['$example.com/invoices/12345', 'https://example.com/invoices/12345', 'example.com'],
    ['$bob.example.com', 'https://bob.example.com/.well-known/pay', 'bob.example.com'],
    ['$example.com/bob', 'https://example.com/bob', 'example.com'],
    ['  $wallet.example/alice  ', 'https://wallet.example/alice', 'wallet.example'],
    ['$ilp.rafiki.money/alice', 'https://ilp.rafiki.money/alice', 'ilp.rafiki.money'],
    ['$Example.COM/Alice', 'https://example.com/Alice', 'example.com'],
  ])('%s → %s', (input, url, host) => {
    const r = resolvePaymentTarget(input)
    expect(r).toEqual({ ok: true, value: { url, host, input: input.trim(), kind: 'pointer' } })
  })

  it.each([
    ['https://wallet.example/alice', 'https://wallet.example/alice'],
    ['https://wallet.example:8443/spsp?x=1', 'https://wallet.example:8443/spsp?x=1'],
    ['https://wallet.example/alice#frag', 'https://wallet.example/alice'],
    ['http://localhost:3000/alice', 'http://localhost:3000/alice'],
    ['http://127.0.0.1:9/p', 'http://127.0.0.1:9/p'],
  ])('accepts the raw SPSP URL %s', (input, url) => {
    const r = resolvePaymentTarget(input)
    expect(r.ok && r.value.url).toBe(url)
    expect(r.ok && r.value.kind).toBe('url')
  })

  it.each<[string, PointerProblem]>([
    ['', 'empty'],
    ['   ', 'empty'],
    ['$', 'bad-host'],
    ['$/alice', 'bad-host'],
    ['$example.com:443/alice', 'port'],
    ['$example.com:/alice', 'port'],
    ['$[::1]:80/x', 'port'],
    ['$alice:secret@example.com', 'userinfo'],
    ['$example.com/alice?x=1', 'query'],
    ['$example.com/alice?', 'query'],
    ['$example.com/alice#top', 'fragment'],
    ['$exämple.com/alice', 'not-ascii'],
    ['$example.com/ali ce', 'whitespace'],
    ['$not a pointer', 'whitespace'],
    ['$exa<mple.com', 'bad-host'],
    ['$example.com/a"b', 'bad-syntax'],
    ['wallet.example/alice', 'bad-syntax'],
    ['http://wallet.example/alice', 'insecure'],
    ['ftp://wallet.example/alice', 'scheme'],
    ['javascript:alert(1)', 'scheme'],
    ['https://user:pw@wallet.example/alice', 'userinfo'],
    ['$' + 'a'.repeat(2048), 'too-long'],
  ])('refuses %j (%s)', (input, problem) => {
    expect(resolvePaymentTarget(input)).toEqual({ ok: false, error: problem })
    expect(describePointerProblem(problem)).toMatch(/\w{3,}/)
  })
})

describe('hostile tag values get a verdict, never an exception', () => {
  it.each<[string, PointerProblem]>([
    ['$w.example/%zz', 'bad-syntax'],
    ['$\uD800', 'not-ascii'],
    ['$w.example\u0000', 'not-ascii'],
    ['$[1.2.3]', 'bad-host'],
    ['$[zz]', 'bad-host'],
    ['https://[1.2.3]/', 'bad-syntax'],
    ['x'.repeat(100_000), 'too-long'],
  ])('refuses %j (%s)', (input, problem) => {
    expect(resolvePaymentTarget(input)).toEqual({ ok: false, error: problem })
  })

  it('passes well-formed escapes on as written, even when they are not UTF-8 (matching them is csp.ts\'s job)', () => {
    const pointer = resolvePaymentTarget('$w.example/%C0%80')
    expect(pointer.ok && pointer.value.url).toBe('https://w.example/%C0%80')
    const url = resolvePaymentTarget('https://w.example/%zz')
    expect(url.ok && url.value.url).toBe('https://w.example/%zz')
  })
})
