// @vitest-environment happy-dom
// The content script's report to the worker: what it says, and when.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { startReporter } from '../../src/content/page-reporter.ts'
import { PRESENCE_PING, PRESENCE_REPLY, type PageSnapshot } from '../../src/shared/messages.ts'
import { fakePort } from './fakes.ts'
import { WM_CHANNEL_EVENT, type PageInstruction } from '../../src/shared/wm-channel.ts'

/** A browser whose every runtime.connect opens a fake port to the worker; `ports` in order opened. */
function fakeBrowser(now: () => number = () => 0) {
  const ports: ReturnType<typeof fakePort>[] = []
  /** When (by `now`) each port was opened. */
  const connectedAt: number[] = []
  const listeners: ((message: unknown, sender: { id?: string }, reply: (answer: unknown) => void) => undefined)[] = []
  const runtime = {
    id: 'trickle-id',
    onMessage: { addListener: (f: (typeof listeners)[number]) => { listeners.push(f) } },
    connect: () => {
      const p = fakePort()
      ports.push(p)
      connectedAt.push(now())
      return p.port
    },
  }
  return {
    runtime,
    /** What the content script answers a runtime message from `senderId` (undefined: no answer). */
    ask: (message: unknown, senderId: string): unknown => {
      let answer: unknown
      for (const f of listeners) f(message, { id: senderId }, (a) => { answer = a })
      return answer
    },
    ports,
    connectedAt,
    /** Every snapshot the page reported, on whichever port. */
    get sent(): PageSnapshot[] { return ports.flatMap((p) => p.posted.map((m) => (m as { input: PageSnapshot }).input)) },
    connects: () => ports.length,
  }
}

let prerendering = false
Object.defineProperty(document, 'prerendering', { configurable: true, get: () => prerendering })
const flush = () => new Promise((r) => setTimeout(r, 0))
const controller = { current: new AbortController() }
afterEach(() => {
  vi.useRealTimers()
  controller.current.abort()
  controller.current = new AbortController()
  prerendering = false
})

function start(b: ReturnType<typeof fakeBrowser>): void {
  startReporter(controller.current.signal, { runtime: b.runtime, document, window, now: () => 1000, randomUUID: () => crypto.randomUUID() })
}

describe('the page reporter', () => {
  it('reports a prerendered page as not visible, and visible once it is shown', async () => {
    document.head.innerHTML = '<link rel="monetization" href="https://w.example/a">'
    prerendering = true
    const b = fakeBrowser()
    start(b)
    await flush()
    expect(b.sent.at(-1)).toMatchObject({ visible: false, tags: [{ kind: 'link', value: 'https://w.example/a' }] })
    prerendering = false
    document.dispatchEvent(new Event('prerenderingchange'))
    await flush()
    expect(b.sent.at(-1)?.visible).toBe(true)
  })

  it('reports tag changes, and nothing when nothing changed', async () => {
    document.head.innerHTML = ''
    const b = fakeBrowser()
    start(b)
    await flush()
    // No tag, no frame to vouch for: the worker is not woken, and is told nothing.
    expect(b.connects()).toBe(0)
    document.body.insertAdjacentHTML('beforeend', '<div><p>unrelated</p><a href="/x">a link</a></div>')
    await flush()
    expect(b.connects()).toBe(0)
    document.head.insertAdjacentHTML('beforeend', '<meta name="monetization" content="$w.example/a">')
    await flush()
    expect(b.sent.at(-1)?.tags.map((t) => t.value)).toEqual(['$w.example/a'])
    const count = b.sent.length
    document.body.insertAdjacentHTML('beforeend', '<p>unrelated</p>')
    document.querySelector('a')?.setAttribute('href', '/y')
    await flush()
    expect(b.sent.length).toBe(count)
    // A tag inside an inserted subtree, and one inside a removed subtree, are seen too.
    document.body.insertAdjacentHTML('beforeend', '<section><div><link rel="monetization" href="https://w.example/b"></div></section>')
    await flush()
    expect(b.sent.at(-1)?.tags.map((t) => t.value)).toEqual(['$w.example/a', 'https://w.example/b'])
    document.querySelector('section')?.remove()
    await flush()
    expect(b.sent.at(-1)?.tags.map((t) => t.value)).toEqual(['$w.example/a'])
    // A meta moved out of the head is no tag any more (the same elements, another place).
    const meta = document.querySelector('meta[name="monetization"]')
    if (meta !== null) document.body.append(meta)
    await flush()
    expect(b.sent.at(-1)?.tags).toEqual([])
    expect(b.connects()).toBe(1)
  })

  it('tells the page its payment stopped when its tag goes while the worker is away (a page without tags wakes nothing else)', async () => {
    const META = { kind: 'meta' as const, value: '$w.example/a' }
    document.head.innerHTML = `<meta name="monetization" content="${META.value}">`
    const b = fakeBrowser()
    const seen: string[] = []
    const listener = (e: Event) => { seen.push((JSON.parse((e as CustomEvent<string>).detail) as PageInstruction).type) }
    window.addEventListener(WM_CHANNEL_EVENT, listener, true)
    try {
      start(b)
      await flush()
      expect(b.connects()).toBe(1)
      const port = b.ports[0]
      port?.send({ type: 'payment-event', input: { event: 'pending', tag: META } })
      expect(seen).toEqual(['monetizationpending'])
      // The worker goes away; before the page reconnects, the tag is removed.
      port?.drop()
      document.head.innerHTML = ''
      await flush()
      expect(seen).toEqual(['monetizationpending', 'monetizationstop'])
      // Nothing left to report: no port is opened for it.
      await new Promise((r) => setTimeout(r, 120))
      expect(b.connects()).toBe(1)
    } finally {
      window.removeEventListener(WM_CHANNEL_EVENT, listener, true)
    }
  })

  it('answers the popup\'s question about a page with no tag, and only the extension\'s', async () => {
    document.head.innerHTML = ''
    const b = fakeBrowser()
    start(b)
    await flush()
    expect(b.connects()).toBe(0)
    expect(b.ask(PRESENCE_PING, 'trickle-id')).toBe(PRESENCE_REPLY)
    expect(b.ask(PRESENCE_PING, 'another-extension')).toBeUndefined()
    expect(b.ask('something else', 'trickle-id')).toBeUndefined()
  })

  it('says goodbye on pagehide and comes back on a persisted pageshow', async () => {
    document.head.innerHTML = '<link rel="monetization" href="https://w.example/a">'
    const b = fakeBrowser()
    start(b)
    await flush()
    window.dispatchEvent(new Event('pagehide'))
    const shown = new Event('pageshow') as Event & { persisted?: boolean }
    Object.defineProperty(shown, 'persisted', { value: true })
    window.dispatchEvent(shown)
    await flush()
    expect(b.connects()).toBe(2)
    expect(b.sent.at(-1)?.visible).toBe(true)
  })

  it('vouches for same-origin iframes and for cross-origin ones whose allow grants monetization', async () => {
    const own = window.location.origin
    document.head.innerHTML = ''
    document.body.innerHTML = `
      <iframe src="${own}/same"></iframe>
      <iframe src="https://other.example/a" allow="monetization; autoplay"></iframe>
      <iframe src="https://other.example/b" allow="autoplay"></iframe>
      <iframe src="https://other.example/c"></iframe>`
    const b = fakeBrowser()
    start(b)
    await flush()
    expect(b.sent.at(-1)?.grants.length).toBe(2)
    expect(new Set(b.sent.at(-1)?.grants).size).toBe(2)
  })
})

describe('reconnecting after worker restarts', () => {
  it('comes back within 50 ms after each of ten restarts, however many came before', async () => {
    // The reconnection waits on a timer: fake time, so ten restarts take no real time.
    vi.useFakeTimers({ now: 1000 })
    document.head.innerHTML = '<link rel="monetization" href="https://w.example/a">'
    const b = fakeBrowser(() => Date.now())
    startReporter(controller.current.signal, { runtime: b.runtime, document, window, now: () => Date.now(), randomUUID: () => crypto.randomUUID() })
    await vi.advanceTimersByTimeAsync(0)
    for (let kill = 0; kill < 10; kill++) {
      await vi.advanceTimersByTimeAsync(4000) // the page was paid for 4 s, then the worker was killed
      const before = b.connects()
      b.ports.at(-1)?.drop()
      const killedAt = Date.now()
      await vi.advanceTimersByTimeAsync(50)
      expect(b.connects(), `reconnected after kill ${kill + 1}`).toBe(before + 1)
      expect((b.connectedAt.at(-1) ?? 0) - killedAt).toBeLessThanOrEqual(50)
    }
  })
})
