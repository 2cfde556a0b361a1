// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import { decimalValue, WmBridge } from '../../src/content/wm-bridge.ts'
import type { PaymentEvent } from '../../src/shared/messages.ts'
import { WM_CHANNEL_EVENT, type PageInstruction } from '../../src/shared/wm-channel.ts'

const LINK = { kind: 'link' as const, value: 'https://w.example/a' }
const sent = { value: '100000', code: 'USD', scale: 9 }
const received = { value: '100', code: 'USD', scale: 6 }

let seen: { target: string; instruction: PageInstruction }[]
let ids: number
function bridge(): WmBridge {
  document.head.innerHTML = `<link rel="monetization" href="${LINK.value}">`
  return new WmBridge(document, () => `id-${++ids}`)
}
window.addEventListener(WM_CHANNEL_EVENT, (e) => {
  const target = e.target instanceof HTMLLinkElement ? 'link' : 'document'
  seen.push({ target, instruction: JSON.parse((e as CustomEvent<string>).detail) as PageInstruction })
}, true)
beforeEach(() => {
  seen = []
  ids = 0
})
const types = () => seen.map((s) => `${s.target}:${s.instruction.type}`)

describe('the WM bridge', () => {
  it('turns a payment into pending, load, start, progress and monetization, in that order', () => {
    const b = bridge()
    b.tagsChanged([LINK])
    const events: PaymentEvent[] = [
      { event: 'pending', tag: LINK },
      { event: 'resolved', tag: LINK, paymentPointer: 'https://w.example/a' },
      { event: 'paid', tag: LINK, paymentPointer: 'https://w.example/a', sent, received },
      { event: 'paid', tag: LINK, paymentPointer: 'https://w.example/a', sent, received },
    ]
    for (const e of events) b.handle(e)
    expect(types()).toEqual([
      'document:monetizationpending', 'link:load', 'document:monetizationstart', 'document:monetizationprogress', 'link:monetization',
      'document:monetizationprogress', 'link:monetization',
    ])
    const m = seen.find((s) => s.instruction.type === 'monetization')?.instruction
    expect(m).toMatchObject({ init: { amountSent: { value: '0.0001', currency: 'USD' }, amount: '100', assetScale: 6, incomingPayment: null } })
  })

  it('keeps one requestId through a pause; a changed value is a new request, and the old one ends for good', () => {
    const b = bridge()
    b.tagsChanged([LINK])
    b.handle({ event: 'pending', tag: LINK })
    b.handle({ event: 'paused', tag: LINK })
    b.handle({ event: 'pending', tag: LINK })
    const changed = { kind: 'link' as const, value: 'https://w.example/b' }
    b.tagsChanged([changed])
    b.handle({ event: 'pending', tag: changed })
    const v1 = seen.flatMap((s) => (s.instruction.api === 'v1' ? [s.instruction] : []))
    expect(v1.map((i) => [i.type, i.detail.requestId, i.detail.finalized])).toEqual([
      ['monetizationpending', 'id-1', undefined],
      ['monetizationstop', 'id-1', false],
      ['monetizationpending', 'id-1', undefined],
      ['monetizationstop', 'id-1', true],
      ['monetizationpending', 'id-2', undefined],
    ])
  })

  it('ignores events about tags the page no longer has', () => {
    const b = bridge()
    b.tagsChanged([])
    b.handle({ event: 'paid', tag: LINK, paymentPointer: 'x', sent, received })
    expect(seen).toEqual([])
  })

  it.each([['100000', 9, '0.0001'], ['1000000000', 9, '1'], ['5', 0, '5'], ['120', 2, '1.2']])('decimalValue(%s, %i) = %s', (v, scale, out) => {
    expect(decimalValue(v, scale)).toBe(out)
  })
})
