// Every message is checked, and so is its sender: UI requests only from Trickle's own pages, page
// ports only from our content script in a tab's top frame.
import { describe, expect, it } from 'vitest'
import type { Runtime } from 'webextension-polyfill'
import { createPortHandler } from '../../src/background/messaging/content-port.ts'
import { SettingsStore } from '../../src/background/platform/settings-store.ts'
import { createUiHandler } from '../../src/background/messaging/ui-api.ts'
import { fakePort, harness, memoryArea, monetizerWorld, offlineUplink, quiet } from './fakes.ts'
import { emptyHistory, EXTENSION_ID, EXTENSION_ORIGIN, snapshot } from './fixtures.ts'

function world() {
  const uplink = offlineUplink()
  const { m: monetizer, budget } = monetizerWorld(harness({ uplinkConfigured: () => false }))
  const settings = new SettingsStore(memoryArea())
  const rows = { exportPage: async () => ({ rows: [], next: null }), ...emptyHistory }
  const ui = createUiHandler({ extensionId: EXTENSION_ID, extensionOrigin: EXTENSION_ORIGIN, settings, uplink, monetizer, budget, ledger: rows, ready: Promise.resolve() })
  return { ui, monetizer }
}

const request = { to: 'trickle-worker', type: 'get-settings', input: null }

describe('UI requests', () => {
  it('are answered for the popup and the options page', async () => {
    const { ui } = world()
    for (const page of ['/src/popup/index.html', '/src/options/index.html?x=1']) {
      const reply = await ui(request, { id: EXTENSION_ID, url: EXTENSION_ORIGIN + page })
      expect(reply).toMatchObject({ ok: true, value: { ratePerHour: '0.36' } })
    }
  })

  it.each<[string, Runtime.MessageSender]>([
    ['a content script (web page URL, with a tab)', { id: EXTENSION_ID, url: 'https://evil.example/', tab: { id: 3 } as Runtime.MessageSender['tab'] }],
    ['another extension', { id: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', url: `chrome-extension://zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz/src/popup/index.html` }],
    ['another page of ours', { id: EXTENSION_ID, url: EXTENSION_ORIGIN + '/src/evil.html' }],
    ['a look-alike origin', { id: EXTENSION_ID, url: `https://${EXTENSION_ID}/src/popup/index.html` }],
    ['no URL', { id: EXTENSION_ID }],
  ])('are refused from %s', async (_name, sender) => {
    const { ui } = world()
    expect(await ui(request, sender)).toEqual({ ok: false, error: 'Refused: this request did not come from a Trickle page.' })
  })

  it('ignore messages that are not UI envelopes at all', () => {
    const { ui } = world()
    expect(ui({ type: 'page-state' }, { id: EXTENSION_ID, url: EXTENSION_ORIGIN + '/src/popup/index.html' })).toBeUndefined()
  })

  it('report invalid settings as readable errors and store nothing', async () => {
    const { ui } = world()
    const sender = { id: EXTENSION_ID, url: EXTENSION_ORIGIN + '/src/options/index.html' }
    const bad = await ui({ to: 'trickle-worker', type: 'save-settings', input: { uplinkUrl: 'btp+ws://:t@wallet.example', ratePerHour: '0.36', budget: { amount: '5', period: 'monthly', renewDay: 1 }, idleMinutes: 10 } }, sender)
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/unencrypted/) as unknown })
    const after = await ui(request, sender)
    expect(after).toMatchObject({ ok: true, value: { uplink: null } })
  })
})

const pageState = { type: 'page-state', input: snapshot({ tags: [] }) }

describe('page ports', () => {
  const tab = { id: 7 } as Runtime.MessageSender['tab']

  it('are accepted from our content script in a top frame', async () => {
    const { monetizer } = world()
    const handle = createPortHandler({ extensionId: EXTENSION_ID, monetizer, ready: Promise.resolve(), log: quiet })
    const p = fakePort({ sender: { id: EXTENSION_ID, tab, frameId: 0, url: 'https://site.example/' } })
    handle(p.port)
    p.send(pageState)
    await Promise.resolve()
    expect(p.disconnected).toBe(false)
    expect(monetizer.status(7)).toEqual({ kind: 'not-monetized' })
  })

  it.each<[string, Runtime.MessageSender, string?]>([
    ['no frame id', { id: EXTENSION_ID, tab }],
    ['no tab (an extension page)', { id: EXTENSION_ID, frameId: 0 }],
    ['another extension', { id: 'zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz', tab, frameId: 0 }],
    ['a port of another name', { id: EXTENSION_ID, tab, frameId: 0 }, 'something-else'],
  ])('are dropped from %s', (_name, sender, name) => {
    const { monetizer } = world()
    const handle = createPortHandler({ extensionId: EXTENSION_ID, monetizer, ready: Promise.resolve(), log: quiet })
    const p = fakePort({ sender, name })
    handle(p.port)
    expect(p.disconnected).toBe(true)
  })

  it('are dropped after a malformed message, which changes nothing', async () => {
    const { monetizer } = world()
    const handle = createPortHandler({ extensionId: EXTENSION_ID, monetizer, ready: Promise.resolve(), log: quiet })
    const p = fakePort({ sender: { id: EXTENSION_ID, tab, frameId: 0 } })
    handle(p.port)
    p.send({ ...pageState, input: { ...pageState.input, rate: '1000' } })
    await Promise.resolve()
    expect(p.disconnected).toBe(true)
    expect(monetizer.status(7)).toEqual({ kind: 'unavailable' })
  })
})
