// One well-formed value of each reply the worker sends Trickle's pages, typed by its declared output:
// the guard tests break each in turn, and the `ask()` tests send them as replies.
import type { CheckReport } from '../../src/shared/check-report.ts'
import type { Overview, SettingsView, TabEventsView } from '../../src/shared/messages.ts'
import type { AmountJson } from '../../src/shared/money.ts'
import type { TabStatus } from '../../src/shared/status.ts'
import { siteRules, USD6, USD9 } from './fixtures.ts'

export const amount = (value: string, asset = USD9): AmountJson => ({ value, ...asset })

export const paying: Extract<TabStatus, { kind: 'monetized' }> = {
  kind: 'monetized',
  phase: 'paying',
  reason: null,
  receiverHost: 'wallet.example',
  input: '$wallet.example/alice',
  sent: amount('100000'),
  delivered: amount('100', USD6),
  seenAt: 1_700_000_000_000,
  firstPaidAt: 1_700_000_000_500,
  timeline: [{ point: 'start', at: 1_700_000_000_000 }, { point: 'fulfilled', at: 1_700_000_000_500 }],
}

export const settingsView: SettingsView = {
  ratePerHour: '0.36',
  budget: { amount: '5', period: 'monthly', renewDay: 1 },
  paused: false,
  idleMinutes: 10,
  sites: { 'https://news.example': siteRules({ ratePerHour: '0.5', simulate: true }) },
  uplink: { display: 'btp+wss://alice:•••@wallet.example' },
  uplinkState: { state: 'connected', host: 'wallet.example', asset: USD9, address: 'test.wallet.alice', at: 1_700_000_000_000 },
  readError: null,
}

export const overview: Overview = {
  status: paying,
  site: 'https://news.example',
  siteRules: siteRules({ cap: '1.50' }),
  paused: false,
  asset: USD9,
  budget: {
    period: { start: '2026-11-01', end: '2026-12-01', kind: 'monthly' },
    amount: amount('5000000000'),
    spent: amount('100000'),
    held: amount('0'),
    remaining: amount('4999900000'),
  },
  siteSpent: amount('100000'),
  topSites: [{ site: 'https://news.example', sent: amount('100000') }, { site: 'trickle:tester', sent: amount('1') }],
  repairs: [{ at: 5, kind: 'ledger-row', reason: 'A history row was damaged (sent not valid).' }],
}

export const tabEvents: TabEventsView = {
  frames: [{ frameId: 0, origin: 'https://news.example', allowed: true, reason: 'The page itself.' }],
  tags: [{ frameId: 0, kind: 'link', value: 'https://wallet.example/alice', verdict: 'paid', reason: 'Pays https://wallet.example/alice' }],
  events: [{ at: 1, type: 'monetization', fields: { amount: '100', assetScale: 6, receipt: null, finalized: false }, frameId: 0 }],
}

export const report: CheckReport = {
  input: '$wallet.example/alice',
  url: 'https://wallet.example/alice',
  ok: false,
  failed: 'http',
  steps: [
    { step: 'syntax', ok: true, ms: 0, detail: 'A valid payment pointer.' },
    { step: 'http', ok: false, ms: 12, detail: 'The receiver answered HTTP 404.', fix: 'Nothing is at this address.' },
    { step: 'payment', ok: null, ms: 0, detail: 'Not reached.' },
  ],
  payment: { sent: amount('100000'), delivered: null, rate: null },
  at: '2026-11-22T12:00:00.000Z',
}
