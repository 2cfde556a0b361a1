// The trust boundary, attacked from the places an attacker sits: a content script's world (which a
// compromised renderer could speak for), public and hostile pages, frames, and curious receivers.
// Each test is one attack on the built extension in a real Chromium, paying the real sandbox network.
import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'playwright-core'
import { PAGE_PORT_NAME } from '../../src/shared/messages.ts'
import { freePort } from '../sandbox/ports.ts'
import { sleep, startStack, waitFor, type Stack } from './stack.ts'

let stack: Stack
beforeAll(async () => { stack = await startStack({ publicSite: true }) })
afterAll(async () => { await stack?.stop() })

/** Long enough for a lookup and a first packet (both arrive within a second when allowed). */
const NOT_PAID_MS = 3000

const account = (name: string) => stack.net.receiver.account(name)

async function paid(name: string): Promise<void> {
  await waitFor(`a payment to ${name}`, () => (account(name).packets.length > 0 ? true : undefined), 15_000)
}

/** Nothing reached the receiver `name`: not even its SPSP endpoint was asked. */
async function untouched(name: string): Promise<void> {
  await sleep(NOT_PAID_MS)
  expect(account(name).spspQueries, `SPSP queries to ${name}`).toBe(0)
  expect(account(name).packets, `packets to ${name}`).toEqual([])
}

async function open(url: string): Promise<Page> {
  const page = await stack.browser.context.newPage()
  await page.goto(url)
  await page.bringToFront()
  return page
}

type Logged = { type: string; at: number }
const linkEvents = (page: Page): Promise<Logged[]> => page.evaluate(() => ((window as unknown as { __wmEvents?: Logged[] }).__wmEvents ?? []).map((e) => ({ type: e.type, at: e.at - performance.timeOrigin })))

/** Every request and WebSocket the extension's worker opens, from its own DevTools target. */
async function watchWorkerNetwork(): Promise<{ urls: string[]; stop(): void }> {
  const socket = new WebSocket(await stack.browser.cdpUrl())
  await new Promise((resolve, reject) => { socket.once('open', resolve); socket.once('error', reject) })
  let id = 0
  const pending = new Map<number, (v: Record<string, unknown>) => void>()
  const urls: string[] = []
  socket.on('message', (raw: Buffer) => {
    const m = JSON.parse(raw.toString()) as { id?: number; result?: Record<string, unknown>; method?: string; params?: { request?: { url: string }; url?: string } }
    if (m.id !== undefined) pending.get(m.id)?.(m.result ?? {})
    if (m.method === 'Network.requestWillBeSent' && m.params?.request !== undefined) urls.push(m.params.request.url)
    if (m.method === 'Network.webSocketCreated' && m.params?.url !== undefined) urls.push(m.params.url)
  })
  const send = (method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const n = ++id
      pending.set(n, resolve)
      socket.send(JSON.stringify({ id: n, method, params, ...(sessionId === undefined ? {} : { sessionId }) }))
    })
  const { targetInfos } = await send('Target.getTargets') as { targetInfos: { targetId: string; type: string; url: string }[] }
  const worker = targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${stack.browser.extensionId}/`))
  if (worker === undefined) throw new Error('no extension worker to watch')
  const { sessionId } = await send('Target.attachToTarget', { targetId: worker.targetId, flatten: true }) as { sessionId: string }
  await send('Network.enable', {}, sessionId)
  return { urls, stop: () => socket.close() }
}

describe('secrets and settings out of a content script\'s reach', () => {
  it('refuses to read the settings (and the uplink\'s secret) or to write them', async () => {
    const page = await stack.browser.context.newPage()
    const run = await contentWorld(page, stack.net.site.pageFor('link', 'trust'))
    await paid('trust')
    const read = await run('chrome.storage.local.get(null).then((v) => JSON.stringify(v))')
    const write = await run('chrome.storage.local.set({ settings: { ratePerHour: "10" } }).then(() => "written")')
    const session = await run('chrome.storage.session.get(null).then((v) => JSON.stringify(v))')
    const db = await run('new Promise((resolve) => { const r = indexedDB.open("trickle"); r.onsuccess = () => resolve([...r.result.objectStoreNames].join(",") || "(an empty database of the page\'s origin)"); r.onerror = () => resolve("error") })')
    console.log(`content script: storage.local read ${read.slice(0, 100)}; write ${write.slice(0, 100)}; storage.session ${session.slice(0, 100)}; indexedDB "trickle": ${db}`)
    expect(read).toMatch(/^threw/)
    expect(read).not.toContain('sandbox-wallet-token')
    expect(write).toMatch(/^threw/)
    expect(session).toMatch(/^threw/)
    // Its indexedDB is the page's origin: Trickle's ledger and settings are not there.
    expect(db).not.toMatch(/settings|days|visits/)
    const before = account('trust').packets.length
    await waitFor('more payments', () => (account('trust').packets.length > before ? true : undefined))
    await page.close()
  })
})

/** Opens `url` in `page` and returns an evaluator in Trickle's content-script world of its top frame. */
async function contentWorld(page: Page, url: string): Promise<(expression: string) => Promise<string>> {
  const cdp = await stack.browser.context.newCDPSession(page)
  const worlds: { id: number; origin: string }[] = []
  cdp.on('Runtime.executionContextCreated', (e: { context: { id: number; origin: string } }) => { worlds.push(e.context) })
  await cdp.send('Runtime.enable')
  await page.goto(url)
  const world = await waitFor('Trickle\'s content-script world', () => worlds.find((w) => w.origin === `chrome-extension://${stack.browser.extensionId}`))
  return async (expression) => {
    const r = await cdp.send('Runtime.evaluate', { contextId: world.id, expression, awaitPromise: true, returnByValue: true }) as { result: { value?: unknown }; exceptionDetails?: { exception?: { description?: string } } }
    return r.exceptionDetails !== undefined ? `threw: ${r.exceptionDetails.exception?.description ?? ''}` : `value: ${JSON.stringify(r.result.value)}`
  }
}

describe('no network probing through Trickle', () => {
  it('a public page cannot have Trickle contact this machine, open port or closed, and hears the same either way', async () => {
    const closed = await freePort()
    const results: { events: Logged[]; reason: string }[] = []
    for (const href of [`${stack.net.receiver.spspBase}/probe-open`, `http://127.0.0.1:${closed}/probe-closed`]) {
      const page = await open(stack.publicSite?.linkPage(href) ?? '')
      const events = await waitFor('the link\'s error event', async () => { const e = await linkEvents(page); return e.some((x) => x.type === 'link-error') ? e : undefined })
      const status = await stack.status(page)
      results.push({ events, reason: 'reason' in status ? String(status.reason) : JSON.stringify(status) })
      await page.close()
    }
    await untouched('probe-open')
    console.log('open vs closed port:', JSON.stringify(results))
    const [open0, closed0] = results
    expect(open0?.events.map((e) => e.type)).toEqual(closed0?.events.map((e) => e.type))
    expect(open0?.reason.replace(/:\d+/, ':PORT')).toBe(closed0?.reason.replace(/:\d+/, ':PORT'))
    expect(open0?.reason).toMatch(/own computer/)
  })

  it('a public page cannot have Trickle contact the local network', async () => {
    const watch = await watchWorkerNetwork()
    try {
      for (const href of ['https://10.0.0.1/pay', 'https://192.168.1.1/pay', 'https://[fd00::1]/pay', 'https://router/pay']) {
        const page = await open(stack.publicSite?.linkPage(href) ?? '')
        await waitFor(`the error event for ${href}`, async () => ((await linkEvents(page)).some((x) => x.type === 'link-error') ? true : undefined))
        await page.close()
      }
      await sleep(500)
      console.log('worker requests while refusing local-network receivers:', watch.urls)
      expect(watch.urls.filter((u) => /10\.0\.0\.1|192\.168\.1\.1|fd00|\/\/router/.test(u))).toEqual([])
    } finally {
      watch.stop()
    }
  })

  it('checks every redirect hop: a public receiver\'s redirect to this machine is not followed, a public one is', async () => {
    const site = stack.publicSite
    if (site === null) throw new Error('no public site')
    const toLoopback = await open(site.linkPage(site.redirect(`${stack.net.receiver.spspBase}/redirected-home`)))
    await untouched('redirected-home')
    expect(await stack.status(toLoopback)).toMatchObject({ reason: expect.stringMatching(/redirected elsewhere.*own computer/) as unknown })
    await toLoopback.close()
    // The same route to a public receiver is followed: the hop check does not simply refuse redirects.
    const toPublic = await open(site.linkPage(site.redirect(site.spsp('redirected-public'))))
    await paid('redirected-public')
    await toPublic.close()
  })
})

describe('unlinkable by default', () => {
  it('two receivers paid by the same person find nothing in common', async () => {
    const page = await open(stack.net.site.manyLinksPage('linkable', 2))
    await paid('linkable-0')
    await paid('linkable-1')
    await sleep(1500)
    await page.close()
    const [a, b] = [account('linkable-0'), account('linkable-1')]
    console.log('receiver 0 saw', [...a.sourceAddresses], a.spspHeaders, '\nreceiver 1 saw', [...b.sourceAddresses])
    expect(a.sourceAddresses.size).toBeGreaterThan(0)
    expect(b.sourceAddresses.size).toBeGreaterThan(0)
    const segments = (set: Set<string>): Set<string> => new Set([...set].flatMap((addr) => addr.split('.')).filter((s) => s !== 'private' && s !== 'trickle'))
    const common = [...segments(a.sourceAddresses)].filter((s) => segments(b.sourceAddresses).has(s))
    expect(common).toEqual([])
    for (const addr of [...a.sourceAddresses, ...b.sourceAddresses]) expect(addr).toMatch(/^private\.trickle\.[0-9a-f]{32}$/)
    for (const headers of [...a.spspHeaders, ...b.spspHeaders]) {
      expect(headers).not.toHaveProperty('cookie')
      expect(headers).not.toHaveProperty('referer')
      expect(headers).not.toHaveProperty('authorization')
    }
  })
})

describe('site policies from response headers', () => {
  const site = () => stack.net.site
  it.each([
    ['csp-none', { csp: "monetization-src 'none'" }],
    ['csp-default', { csp: "default-src 'self'; script-src 'unsafe-inline'" }],
    ['pp-none', { pp: 'monetization=()' }],
    ['pp-other', { pp: 'monetization=("https://elsewhere.example")' }],
  ])('a page sent with a header that refuses (%s) is not paid', async (name, headers) => {
    const page = await open(site().headerPolicyPage(name, headers))
    await untouched(name)
    await page.close()
  })

  it.each([
    ['csp-allows', { csp: 'monetization-src http://127.0.0.1:*' }],
    ['pp-self', { pp: 'monetization=(self)' }],
    ['pp-all', { pp: 'monetization=*, camera=()' }],
  ])('a page sent with a header that allows (%s) is paid', async (name, headers) => {
    const page = await open(site().headerPolicyPage(name, headers))
    await paid(name)
    await page.close()
  })

  it('a page cannot make Trickle forget its header policy (navigations to responses that never load)', async () => {
    const page = await open(site().headerPolicyPage('evict', { csp: "monetization-src 'none'" }))
    await sleep(500)
    for (let i = 0; i < 12; i++) {
      await page.evaluate((n) => { location.href = `/t/nocontent?${n}` }, i)
      await sleep(100)
    }
    // Its tag changes: the content script reports again, and the worker decides again.
    await page.evaluate(() => { const l = document.querySelector('link[rel=monetization]'); if (l !== null) document.head.append(l.cloneNode()) })
    await untouched('evict')
    await page.close()
  })

  it('a parent\'s Permissions-Policy decides what its iframe\'s allow attribute can grant', async () => {
    const refused = await open(site().headerPolicyFrames('pp-parent-self', { pp: 'monetization=(self)', allow: 'monetization' }))
    await untouched('pp-parent-self-child')
    await refused.close()
    const childRefuses = await open(site().headerPolicyFrames('pp-child-none', { allow: 'monetization', childPp: 'monetization=()' }))
    await untouched('pp-child-none-child')
    await childRefuses.close()
    const allowed = await open(site().headerPolicyFrames('pp-parent-all', { pp: 'monetization=*', allow: 'monetization' }))
    await paid('pp-parent-all-child')
    await allowed.close()
  })
})

describe('grants and visibility that cannot be forged', () => {
  it('an iframe that starts at a data: URL and navigates itself elsewhere gets no grant', async () => {
    const page = await open(stack.net.site.dataFramePage('data-frame'))
    await waitFor('the frame to navigate', () => (page.frames().some((f) => f.url().includes('/t/link/data-frame-child')) ? true : undefined))
    await untouched('data-frame-child')
    await page.close()
  })

  it('a content script that says a hidden tab is visible is not believed', async () => {
    const page = await stack.browser.context.newPage()
    const run = await contentWorld(page, `${stack.net.site.base}/plain`)
    const front = await open(`${stack.net.site.base}/plain`)
    await waitFor('the first tab to be hidden', async () => ((await page.evaluate(() => document.visibilityState)) === 'hidden' ? true : undefined))
    // As a compromised renderer would: a port of its own, saying the hidden page is visible and monetized.
    const forged = {
      type: 'page-state',
      input: { visitId: crypto.randomUUID(), tags: [{ kind: 'link', value: `${stack.net.receiver.spspBase}/forged-visible`, seenAt: Date.now() }], visible: true, csp: [], grants: [], grant: null },
    }
    const said = await run(`(() => { const p = chrome.runtime.connect({ name: ${JSON.stringify(PAGE_PORT_NAME)} }); p.postMessage(${JSON.stringify(forged)}); globalThis.__forgedPort = p; return 'sent' })()`)
    expect(said).toBe('value: "sent"')
    await sleep(NOT_PAID_MS)
    expect(account('forged-visible').packets).toEqual([])
    // The worker did take the report (it looked the receiver up), and says why it does not pay.
    expect(await stack.status(page)).toMatchObject({ phase: 'paused', reason: expect.stringMatching(/not shown/) as unknown })
    await front.close()
    await page.close()
  })
})

describe('egress while paying', () => {
  it('the worker contacts only the uplink and the SPSP URLs the page named: no telemetry, nothing else', async () => {
    const watch = await watchWorkerNetwork()
    try {
      // A fresh uplink connection is part of what is watched: the options page reconnects it.
      await stack.configure({ uplinkUrl: stack.net.uplinkUrl })
      const page = await open(stack.net.site.manyLinksPage('egress', 2))
      await paid('egress-0')
      await paid('egress-1')
      await sleep(3000)
      await page.close()
      await sleep(500)
    } finally {
      watch.stop()
    }
    const uplink = new URL(stack.net.uplinkUrl.replace(/^btp\+/, ''))
    const allowed = (url: string): boolean => {
      const u = new URL(url)
      if ((u.protocol === 'ws:' || u.protocol === 'wss:') && u.host === uplink.host) return true
      // Its own packaged files (the toolbar's icons, which setIcon reads): the extension, not the network.
      if (u.protocol === 'chrome-extension:' && u.host === stack.browser.extensionId) return true
      return [`${stack.net.receiver.spspBase}/egress-0`, `${stack.net.receiver.spspBase}/egress-1`].includes(url)
    }
    console.log('worker egress:', [...new Set(watch.urls)])
    expect(watch.urls.some((u) => u.startsWith('ws'))).toBe(true)
    expect(watch.urls.filter((u) => u.includes('/egress-')).length).toBeGreaterThanOrEqual(2)
    expect(watch.urls.filter((u) => !allowed(u))).toEqual([])
  })
})
