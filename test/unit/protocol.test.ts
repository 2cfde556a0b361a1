// The protocol's types come from its guards (one declaration per message): these type tests fail to
// compile if a guard's shape changes what a message is, and the guard tests show each direction's
// guards refuse what they must, worker → content and frame grants included.
import { describe, expect, expectTypeOf, it } from 'vitest'
import {
  isBackgroundEnvelope, isChangedNotice, isFrameGrant, uiInputGuards, type ContentToBackground, type FrameGrant,
  type PageSnapshot, type PaymentEvent, type SettingsInput, type TagReport, type UiToBackground,
} from '../../src/shared/messages.ts'
import type { AmountJson } from '../../src/shared/money.ts'
import type { SeenEvent } from '../../src/shared/wm-channel.ts'
import { grantId } from './fixtures.ts'

const TAG = { kind: 'link', value: 'https://w.example/pay' } as const
const USD = { value: '100', code: 'USD', scale: 9 }

describe('message types, derived from their guards', () => {
  it('are what each side relies on', () => {
    expectTypeOf<TagReport>().toEqualTypeOf<{ kind: 'meta' | 'link'; value: string; seenAt: number }>()
    expectTypeOf<PageSnapshot>().toEqualTypeOf<{ visitId: string; tags: TagReport[]; visible: boolean; csp: string[]; grants: string[]; grant: string | null }>()
    expectTypeOf<FrameGrant>().toEqualTypeOf<{ trickleGrant: string }>()
    expectTypeOf<ContentToBackground>().toEqualTypeOf<{ 'page-state': PageSnapshot; 'wm-event': SeenEvent }>()
    expectTypeOf<Extract<PaymentEvent, { event: 'paid' }>>().toEqualTypeOf<{ event: 'paid'; tag: { kind: 'meta' | 'link'; value: string }; paymentPointer: string; sent: AmountJson; received: AmountJson | null }>()
    expectTypeOf<PaymentEvent['event']>().toEqualTypeOf<'pending' | 'resolved' | 'failed' | 'paid' | 'paused'>()
    expectTypeOf<SettingsInput['uplinkUrl']>().toEqualTypeOf<string | null>()
    expectTypeOf<UiToBackground['get-overview']['input']>().toEqualTypeOf<{ tabId: number | null }>()
    expectTypeOf<UiToBackground['ack-repairs']>().toEqualTypeOf<{ input: { upTo: number }; output: null }>()
  })
})

describe('worker → content script', () => {
  it.each([
    { event: 'pending', tag: TAG },
    { event: 'resolved', tag: TAG, paymentPointer: 'https://w.example/pay' },
    { event: 'failed', tag: TAG, reason: 'no' },
    { event: 'paid', tag: TAG, paymentPointer: 'https://w.example/pay', sent: USD, received: null },
    { event: 'paid', tag: TAG, paymentPointer: 'https://w.example/pay', sent: USD, received: { ...USD, scale: 2 } },
    { event: 'paused', tag: TAG },
    // Any asset the popup may show reaches the page too (the worker's one rule, isAsset).
    { event: 'paid', tag: TAG, paymentPointer: 'p', sent: { ...USD, code: 'X'.repeat(64) }, received: null },
  ])('accepts %j', (input) => { expect(isBackgroundEnvelope({ type: 'payment-event', input })).toBe(true) })

  it.each([
    ['an unknown event', { event: 'refund', tag: TAG }],
    ['a field too many', { event: 'pending', tag: TAG, extra: 1 }],
    ['a field of another event', { event: 'pending', tag: TAG, reason: 'x' }],
    ['a fractional amount', { event: 'paid', tag: TAG, paymentPointer: 'p', sent: { ...USD, value: '1.5' }, received: null }],
    ['a negative scale', { event: 'paid', tag: TAG, paymentPointer: 'p', sent: { ...USD, scale: -1 }, received: null }],
    ['an empty asset code', { event: 'paid', tag: TAG, paymentPointer: 'p', sent: { ...USD, code: '' }, received: null }],
    ['an asset code over 64 characters', { event: 'paid', tag: TAG, paymentPointer: 'p', sent: { ...USD, code: 'X'.repeat(65) }, received: null }],
    ['a tag of another kind', { event: 'pending', tag: { kind: 'script', value: 'x' } }],
  ])('refuses %s', (_name, input) => { expect(isBackgroundEnvelope({ type: 'payment-event', input })).toBe(false) })

  it('refuses an unknown type or a field around the envelope', () => {
    expect(isBackgroundEnvelope({ type: 'page-state', input: { event: 'pending', tag: TAG } })).toBe(false)
    expect(isBackgroundEnvelope({ type: 'payment-event', input: { event: 'pending', tag: TAG }, x: 1 })).toBe(false)
    expect(isBackgroundEnvelope({ type: 'constructor', input: {} })).toBe(false)
  })
})

describe('frame grants and change notices', () => {
  it('a grant is one UUID and nothing else', () => {
    expect(isFrameGrant({ trickleGrant: grantId(1) })).toBe(true)
    expect(isFrameGrant({ trickleGrant: 'not-a-uuid' })).toBe(false)
    expect(isFrameGrant({ trickleGrant: grantId(1), more: 1 })).toBe(false)
    expect(isFrameGrant(grantId(1))).toBe(false)
  })

  it('a change notice says only that', () => {
    expect(isChangedNotice({ type: 'changed' })).toBe(true)
    expect(isChangedNotice({ type: 'changed', what: 'x' })).toBe(false)
    expect(isChangedNotice({ type: 'other' })).toBe(false)
  })

  it('every UI message has an input guard that refuses undefined', () => {
    for (const [type, guard] of Object.entries(uiInputGuards)) expect(guard(undefined), type).toBe(false)
  })
})
