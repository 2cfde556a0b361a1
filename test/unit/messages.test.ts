import { describe, expect, it } from 'vitest'
import { isContentEnvelope, isUiEnvelope, MAX_TAGS_REPORTED } from '../../src/shared/messages.ts'
import { meta, siteRules, snapshot } from './fixtures.ts'

const good = { type: 'page-state', input: snapshot({ tags: [meta('$w.example/a', 1)] }) }

describe('content messages are checked at run time', () => {
  it('accepts a well-formed snapshot', () => { expect(isContentEnvelope(good)).toBe(true) })

  it.each([
    ['null', null],
    ['a string', 'page-state'],
    ['an unknown type', { ...good, type: 'pay' }],
    ['an extra field', { ...good, amount: '1000000' }],
    ['an extra snapshot field', { ...good, input: { ...good.input, rate: '100' } }],
    ['an extra tag field', { ...good, input: { ...good.input, tags: [{ kind: 'meta', value: 'x', seenAt: 1, amount: 5 }] } }],
    ['a bad visit id', { ...good, input: { ...good.input, visitId: 'x' } }],
    ['an unknown tag kind', { ...good, input: { ...good.input, tags: [{ kind: 'script', value: 'x', seenAt: 1 }] } }],
    ['a huge value', { ...good, input: { ...good.input, tags: [{ kind: 'meta', value: 'x'.repeat(5000), seenAt: 1 }] } }],
    ['too many tags', { ...good, input: { ...good.input, tags: Array.from({ length: MAX_TAGS_REPORTED + 1 }, () => ({ kind: 'link', value: 'x', seenAt: 1 })) } }],
    ['a non-boolean visible', { ...good, input: { ...good.input, visible: 'yes' } }],
    ['a float time', { ...good, input: { ...good.input, tags: [{ kind: 'meta', value: 'x', seenAt: 1.5 }] } }],
  ])('refuses %s', (_name, message) => { expect(isContentEnvelope(message)).toBe(false) })
})

describe('UI messages are checked at run time', () => {
  it.each([
    { to: 'trickle-worker', type: 'get-settings', input: null },
    { to: 'trickle-worker', type: 'get-tab-status', input: { tabId: 3 } },
    { to: 'trickle-worker', type: 'save-settings', input: { uplinkUrl: null, ratePerHour: '0.36', budget: { amount: '5', period: 'weekly', renewDay: 1 }, idleMinutes: 10 } },
    { to: 'trickle-worker', type: 'set-site', input: { site: 'https://x.example', rules: siteRules({ cap: '1', never: true }) } },
    { to: 'trickle-worker', type: 'export-ledger-page', input: { after: null } },
    { to: 'trickle-worker', type: 'get-overview', input: { tabId: null } },
  ])('accepts %j', (m) => { expect(isUiEnvelope(m)).toBe(true) })

  it.each([
    { to: 'trickle-worker', type: 'get-tab-status', input: { tabId: '3' } },
    { to: 'trickle-worker', type: 'toString', input: null },
    { to: 'trickle-worker', type: '__proto__', input: null },
    { to: 'someone-else', type: 'get-settings', input: null },
    { to: 'trickle-worker', type: 'save-settings', input: { uplinkUrl: 5, ratePerHour: '0.36' } },
    { to: 'trickle-worker', type: 'save-settings', input: { uplinkUrl: null, ratePerHour: '0.36', budget: { amount: 5, period: 'monthly', renewDay: 1 }, idleMinutes: 10 } },
    { to: 'trickle-worker', type: 'set-site', input: { site: 'https://x.example', rules: { ...siteRules(), paused: 'yes' } } },
    { to: 'trickle-worker', type: 'set-site', input: { site: 'https://x.example', rules: { ratePerHour: null, cap: null, paused: false, never: false, extra: 1 } } },
    { to: 'trickle-worker', type: 'export-ledger-page', input: { after: 5 } },
    { to: 'trickle-worker', type: 'set-paused', input: { paused: 1 } },
    { to: 'trickle-worker', type: 'get-settings', input: null, extra: 1 },
  ])('refuses %j', (m) => { expect(isUiEnvelope(m)).toBe(false) })
})
