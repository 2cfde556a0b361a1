// Every message is checked, and so is its sender: UI requests only from Trickle's own pages, page
// ports only from our content script in a tab's top frame.
import { describe, expect, it } from 'vitest'
import type { Runtime } from 'webextension-polyfill'
import { createPortHandler } from '../../src/background/messaging/content-port.ts'
import { SettingsStore } from '../../src/background/platform/settings-store.ts'
import { createUiHandler } from '../../src/background/messaging/ui-api.ts'
import { Uplink } from '../../src/background/payment/uplink.ts'
import { harness, memoryArea, monetizerWorld, quiet } from './fakes.ts'

const ID = 'abcdefghijklmnopabcdefghijklmnop'
const ORIGIN = `chrome-extension://${ID}`

function world() {
  const uplink = new Uplink({ createPlugin: () => { throw new Error('no network in unit tests') }, ildcp: async () => { throw new Error('x') }, now: Date.now })
  const { m: monetizer, budget } = monetizerWorld(harness({ uplinkConfigured: () => false }))
  const settings = new SettingsStore(memoryArea())
  const rows = { rows: async () => [] }
  const ui = createUiHandler({ extensionId: ID, extensionOrigin: ORIGIN, settings, uplink, monetizer, budget, ledger: rows, ready: Promise.resolve() })
  return { ui, monetizer }
}

const request = { to: 'trickle-worker', type: 'get-settings', input: null }

describe('UI requests', () => {
  it('are answered for the popup and the options page', async () => {
    const { ui } = world()
    for (const page of ['/src/popup/index.html', '/src/options/index.html?x=1']) {
      const reply = await ui(request, { id: ID, url: ORIGIN + page })
      expect(reply).toMatchObject({ ok: true, value: { ratePerHour: '0.36' } })
    }
  })

  it.each<[string, Runtime.MessageSender]>([
    ['a content script (web page URL, with a tab)', { id: ID, url: 'https://evil.example/', tab: { id: 3 } as Runtime.MessageSender['tab'] }],
    ['another extension', { id: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', url: `chrome-extension://zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz/src/popup/index.html` }],
    ['another page of ours', { id: ID, url: ORIGIN + '/src/evil.html' }],
    ['a look-alike origin', { id: ID, url: 'https://abcdefghijklmnopabcdefghijklmnop/src/popup/index.html' }],
    ['no URL', { id: ID }],
  ])('are refused from %s', async (_name, sender) => {
    const { ui } = world()
    expect(await ui(request, sender)).toEqual({ ok: false, error: 'Refused: this request did not come from a Trickle page.' })
  })

  it('ignore messages that are not UI envelopes at all', () => {
    const { ui } = world()
    expect(ui({ type: 'page-state' }, { id: ID, url: ORIGIN + '/src/popup/index.html' })).toBeUndefined()
  })

  it('report invalid settings as readable errors and store nothing', async () => {
    const { ui } = world()
    const sender = { id: ID, url: ORIGIN + '/src/options/index.html' }
    const bad = await ui({ to: 'trickle-worker', type: 'save-settings', input: { uplinkUrl: 'btp+ws://:t@wallet.example', ratePerHour: '0.36', budget: { amount: '5', period: 'monthly', renewDay: 1 }, idleMinutes: 10 } }, sender)
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/unencrypted/) as unknown })
    const after = await ui(request, sender)
    expect(after).toMatchObject({ ok: true, value: { uplink: null } })
  })
})

function fakePort(sender: Runtime.MessageSender, name = 'trickle/page') {
  const listeners: { message: ((m: unknown) => void)[]; disconnect: (() => void)[] } = { message: [], disconnect: [] }
  let disconnected = false
  const port = {
    name,
    sender,
    onMessage: { addListener: (f: (m: unknown) => void) => listeners.message.push(f) },
    onDisconnect: { addListener: (f: () => void) => listeners.disconnect.push(f) },
    disconnect: () => { disconnected = true },
    postMessage: () => undefined,
  } as unknown as Runtime.Port
  return { port, send: (m: unknown) => { for (const f of listeners.message) f(m) }, get disconnected() { return disconnected } }
}

const snapshot = { type: 'page-state', input: { visitId: '0b5f3c1e-8d2a-4c3b-9e7f-1a2b3c4d5e6f', tags: [], visible: true, csp: [], grants: [], grant: null } }

describe('page ports', () => {
  const tab = { id: 7 } as Runtime.MessageSender['tab']

  it('are accepted from our content script in a top frame', async () => {
    const { monetizer } = world()
    const handle = createPortHandler({ extensionId: ID, monetizer, ready: Promise.resolve(), log: quiet })
    const p = fakePort({ id: ID, tab, frameId: 0, url: 'https://site.example/' })
    handle(p.port)
    p.send(snapshot)
    await Promise.resolve()
    expect(p.disconnected).toBe(false)
    expect(monetizer.status(7)).toEqual({ kind: 'not-monetized' })
  })

  it.each<[string, Runtime.MessageSender, string?]>([
    ['no frame id', { id: ID, tab }],
    ['no tab (an extension page)', { id: ID, frameId: 0 }],
    ['another extension', { id: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', tab, frameId: 0 }],
    ['a port of another name', { id: ID, tab, frameId: 0 }, 'something-else'],
  ])('are dropped from %s', (_name, sender, name) => {
    const { monetizer } = world()
    const handle = createPortHandler({ extensionId: ID, monetizer, ready: Promise.resolve(), log: quiet })
    const p = fakePort(sender, name)
    handle(p.port)
    expect(p.disconnected).toBe(true)
  })

  it('are dropped after a malformed message, which changes nothing', async () => {
    const { monetizer } = world()
    const handle = createPortHandler({ extensionId: ID, monetizer, ready: Promise.resolve(), log: quiet })
    const p = fakePort({ id: ID, tab, frameId: 0 })
    handle(p.port)
    p.send({ ...snapshot, input: { ...snapshot.input, rate: '1000' } })
    await Promise.resolve()
    expect(p.disconnected).toBe(true)
    expect(monetizer.status(7)).toEqual({ kind: 'unavailable' })
  })
})
