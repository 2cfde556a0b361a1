// @vitest-environment happy-dom
// The page script against a page that replaces the built-ins it uses after install: events still
// arrive, right, and no replacement is ever called from our code (a call from us would put our frames
// on the stack, where the page reads the extension's URL).
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { installWebMonetization } from '../../src/page/web-monetization.ts'
import { WM_CHANNEL_EVENT } from '../../src/shared/wm-channel.ts'

const OURS = 'src/page/web-monetization'
// The test's own replacements call the originals through these, taken before any is replaced.
const apply = Reflect.apply
let calls: { what: string; fromUs: boolean }[] = []
let restore: (() => void)[] = []
let recording = false

/** Who called: our module is on the stack, or not. */
function note(what: string): void {
  if (recording) return // the stack's own formatting may use a replaced built-in
  recording = true
  try {
    calls.push({ what, fromUs: (new Error().stack ?? '').includes(OURS) })
  } finally {
    recording = false
  }
}

/** Replaces `obj[key]` (a method or a getter) with one that notes its calls and does the same. */
function replace(start: object, key: PropertyKey, what: string): void {
  // Where the property lives (happy-dom defines some a prototype further up than browsers do).
  let obj: object | null = start
  while (obj !== null && !Object.hasOwn(obj, key)) obj = Object.getPrototypeOf(obj) as object | null
  const d = obj === null ? undefined : Object.getOwnPropertyDescriptor(obj, key)
  if (obj === null || d === undefined) throw new Error(`no ${what}`)
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called through `apply` with its receiver
  const get = d.get
  const value: unknown = d.value
  if (get !== undefined) {
    Object.defineProperty(obj, key, { ...d, get(this: unknown) { note(what); return apply(get, this, []) as unknown } })
  } else if (typeof value === 'function') {
    const f = value as (...a: unknown[]) => unknown
    Object.defineProperty(obj, key, { ...d, value: function (this: unknown, ...a: unknown[]) { note(what); return apply(f, this, a) } })
  }
  const owner = obj
  restore.push(() => Object.defineProperty(owner, key, d))
}

/** Getters on Object.prototype for names we must never look up there (a missing field, an EventInit member). */
function trapObjectPrototype(names: string[]): void {
  for (const name of names) {
    Object.defineProperty(Object.prototype, name, { configurable: true, get() { note(`Object.prototype.${name}`) } })
    restore.push(() => { delete (Object.prototype as Record<string, unknown>)[name] })
  }
}

function overrideEverything(): void {
  replace(EventTarget.prototype, 'dispatchEvent', 'dispatchEvent')
  replace(EventTarget.prototype, 'addEventListener', 'addEventListener')
  replace(EventTarget.prototype, 'removeEventListener', 'removeEventListener')
  replace(Event.prototype, 'stopImmediatePropagation', 'stopImmediatePropagation')
  replace(Event.prototype, 'target', 'Event target')
  replace(CustomEvent.prototype, 'detail', 'CustomEvent detail')
  replace(Node.prototype, 'isConnected', 'isConnected')
  replace(Object, 'freeze', 'Object.freeze')
  replace(Object, 'defineProperty', 'Object.defineProperty')
  replace(Object, 'getPrototypeOf', 'Object.getPrototypeOf')
  replace(Object, 'setPrototypeOf', 'Object.setPrototypeOf')
  replace(JSON, 'parse', 'JSON.parse')
  replace(Reflect, 'apply', 'Reflect.apply')
  replace(Reflect, 'construct', 'Reflect.construct')
  replace(Array, 'isArray', 'Array.isArray')
  replace(Array.prototype, Symbol.iterator, 'Array iterator')
  replace(Array.prototype, 'push', 'Array push')
  replace(Function.prototype, 'call', 'Function call')
  replace(Function.prototype, 'apply', 'Function apply')
  replace(Function.prototype, 'bind', 'Function bind')
  replace(WeakMap.prototype, 'get', 'WeakMap get')
  replace(WeakMap.prototype, 'set', 'WeakMap set')
  replace(WeakSet.prototype, 'has', 'WeakSet has')
  replace(WeakSet.prototype, 'add', 'WeakSet add')
  replace(String.prototype, 'toLowerCase', 'toLowerCase')
  replace(String.prototype, 'toString', 'String toString')
  replace(window, 'queueMicrotask', 'queueMicrotask')
  const hasInstance = (name: string) => ({ configurable: true, value: () => { note(`${name}[Symbol.hasInstance]`); return false } })
  // (Not Event's or Element's: happy-dom itself uses instanceof on them; the end-to-end test replaces those in Chromium.)
  for (const C of [HTMLLinkElement]) {
    Object.defineProperty(C, Symbol.hasInstance, hasInstance(C.name))
    restore.push(() => { delete (C as unknown as Record<symbol, unknown>)[Symbol.hasInstance] })
  }
  trapObjectPrototype(['composed', 'bubbles', 'cancelable', 'detail', 'incomingPayment', 'receipt', 'amount', 'handleEvent'])
}

const send = (target: EventTarget, instruction: unknown): void => {
  target.dispatchEvent(new CustomEvent(WM_CHANNEL_EVENT, { detail: JSON.stringify(instruction) }))
}
const init = { amountSent: { value: '0.0001', currency: 'USD' }, paymentPointer: 'https://w.example/a', incomingPayment: null, amount: '100', assetCode: 'USD', assetScale: 6, receipt: null }
const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

let link: HTMLLinkElement & { onmonetization: unknown }
beforeAll(() => {
  // happy-dom has DOMTokenList but does not expose it on window, as browsers do.
  const w = window as unknown as Record<string, unknown>
  w.DOMTokenList ??= (Object.getPrototypeOf(document.body.classList) as { constructor: unknown }).constructor
  installWebMonetization(window)
  link = document.createElement('link') as typeof link
  link.rel = 'monetization'
  link.href = 'https://w.example/a'
  document.head.append(link)
})
afterEach(() => {
  for (const r of restore.reverse()) r()
  restore = []
  calls = []
})

describe('the page script, with the page\'s built-ins replaced after install', () => {
  it('still fires right events, and calls none of the replacements', async () => {
    const seen: { type: string; stack: string; value?: unknown }[] = []
    const mon = (document as Document & { monetization: EventTarget & { state: string } }).monetization
    const linkListener = (e: Event): void => { seen.push({ type: e.type, stack: new Error().stack ?? '', value: (e as Event & { amountSent: unknown }).amountSent }) }
    const v1Listener = (e: Event): void => { seen.push({ type: `${e.type}:${mon.state}`, stack: new Error().stack ?? '', value: (e as CustomEvent<unknown>).detail }) }
    link.addEventListener('monetization', linkListener)
    mon.addEventListener('monetizationprogress', v1Listener)
    overrideEverything()
    send(link, { api: 'link', type: 'monetization', init })
    send(document, { api: 'v1', type: 'monetizationprogress', state: 'started', detail: { paymentPointer: 'https://w.example/a', requestId: 'r1', amount: '100' } })
    await flush()
    const ours = calls.filter((c) => c.fromUs)
    for (const r of restore.reverse()) r()
    restore = []
    link.removeEventListener('monetization', linkListener)
    mon.removeEventListener('monetizationprogress', v1Listener)

    expect(ours).toEqual([])
    expect(seen.map((s) => s.type)).toEqual(['monetization', 'monetizationprogress:started'])
    expect(seen[0]?.value).toEqual({ value: '0.0001', currency: 'USD' })
    expect(seen[1]?.value).toEqual({ paymentPointer: 'https://w.example/a', requestId: 'r1', amount: '100' })
    // The listeners ran with none of our frames below them.
    for (const s of seen) expect(s.stack).not.toContain(OURS)
  })

  it('the event is a MonetizationEvent with the spec\'s fields, as before', async () => {
    const got: Event[] = []
    const keep = (e: Event): void => { got.push(e) }
    link.addEventListener('monetization', keep)
    overrideEverything()
    send(link, { api: 'link', type: 'monetization', init })
    await flush()
    for (const r of restore.reverse()) r()
    restore = []
    link.removeEventListener('monetization', keep)
    const e = got[0] as Event & Record<string, unknown>
    const Ctor = (window as unknown as { MonetizationEvent: new (...a: unknown[]) => Event }).MonetizationEvent
    expect(e).toBeInstanceOf(Ctor)
    expect([e.bubbles, e.cancelable, e.target]).toEqual([true, false, link])
    // The same own fields, in the same order, as one the constructor makes.
    expect(Object.keys(e)).toEqual(Object.keys(new Ctor('monetization', init)))
    expect(Object.keys(e).slice(-7)).toEqual(['amountSent', 'paymentPointer', 'incomingPayment', 'amount', 'assetCode', 'assetScale', 'receipt'])
    for (const [k, v] of Object.entries(init)) expect(e[k]).toEqual(v)
    expect(Object.isFrozen(e.amountSent)).toBe(true)
  })

  it('onmonetization runs the page\'s own function, with no frame of ours, calling no replacement', async () => {
    const stacks: string[] = []
    const selves: unknown[] = []
    const handler = function (this: unknown): void { selves.push(this); stacks.push(new Error().stack ?? '') }
    link.onmonetization = handler
    overrideEverything()
    send(link, { api: 'link', type: 'monetization', init })
    await flush()
    const ours = calls.filter((c) => c.fromUs)
    for (const r of restore.reverse()) r()
    restore = []
    expect(ours).toEqual([])
    // (Twice under happy-dom, which also calls on<type> properties itself; once in browsers.)
    expect(stacks.length).toBeGreaterThan(0)
    for (const st of stacks) expect(st).not.toContain(OURS)
    expect(selves).toContain(link)
    expect(typeof link.onmonetization).toBe('function')
    link.onmonetization = null
    expect(link.onmonetization).toBe(null)
  })

  it('onmonetization on the window and the document: set, read back, called, with no error thrown at the page', async () => {
    // A page's `window.onmonetization = f` threw once in Chromium (the element check read Node's nodeType
    // getter on the window, which refuses it), and the rest of that page's script never ran. happy-dom's
    // getter does not refuse, so the end-to-end page tests catch that one; this is the setter's contract.
    const w = window as unknown as { onmonetization: unknown }
    const d = document as unknown as { onmonetization: unknown }
    const calls: string[] = []
    const onWindow = (): void => { calls.push('window') }
    const onDocument = (): void => { calls.push('document') }
    expect(() => { w.onmonetization = onWindow }).not.toThrow()
    expect(() => { d.onmonetization = onDocument }).not.toThrow()
    expect(typeof w.onmonetization).toBe('function')
    expect(typeof d.onmonetization).toBe('function')
    send(link, { api: 'link', type: 'monetization', init })
    await flush()
    // (happy-dom does not carry an element's event on to the window, as browsers do: the document's ran.)
    expect(calls).toContain('document')
    w.onmonetization = null
    d.onmonetization = null
    expect([w.onmonetization, d.onmonetization]).toEqual([null, null])
  })

  it('an element parsed with the onmonetization attribute gets its handler before the event reaches it', async () => {
    const host = document.createElement('div')
    host.innerHTML = '<section onmonetization="window.__attributeRan = (window.__attributeRan || 0) + 1"><link rel="monetization" href="https://w.example/inner"></section>'
    document.head.append(host)
    const inner = host.querySelector('link') as HTMLLinkElement
    const section = host.querySelector('section') as HTMLElement & { onmonetization: unknown }
    const ran = (): number => (window as unknown as { __attributeRan?: number }).__attributeRan ?? 0
    send(inner, { api: 'link', type: 'monetization', init })
    await flush()
    // happy-dom may not compile inline handlers; where it does, the ancestor's attribute ran once.
    const compiled = typeof section.onmonetization === 'function'
    expect(ran()).toBe(compiled ? 1 : 0)
    // A handler set as a property afterwards wins over the attribute, as for built-in event attributes.
    let byProperty = 0
    section.onmonetization = () => { byProperty++ }
    send(inner, { api: 'link', type: 'monetization', init })
    await flush()
    expect(byProperty).toBeGreaterThan(0) // (twice under happy-dom, which also calls on<type> itself)
    expect(ran()).toBe(compiled ? 1 : 0)
    host.remove()
  })

  it('relList.supports and the state getter call no replacement either', () => {
    overrideEverything()
    const supported = document.createElement('link').relList.supports('Monetization')
    const state = (document as Document & { monetization: { state: string } }).monetization.state
    const ours = calls.filter((c) => c.fromUs)
    for (const r of restore.reverse()) r()
    restore = []
    expect(ours).toEqual([])
    // (happy-dom answers supports() without the prototype's method; Chromium's answer is checked end to end.)
    expect(typeof supported).toBe('boolean')
    expect(['stopped', 'pending', 'started']).toContain(state)
  })

  it('malformed or forged channel events fire nothing and throw nothing at the page', async () => {
    const errors: unknown[] = []
    const onError = (e: Event): void => { errors.push(e) }
    window.addEventListener('error', onError)
    const got: string[] = []
    const keep = (e: Event): void => { got.push(e.type) }
    link.addEventListener('monetization', keep)
    overrideEverything()
    link.dispatchEvent(new Event(WM_CHANNEL_EVENT))
    send(link, { api: 'link', type: 'monetization' })
    send(link, { api: 'link', type: 'monetization', init: { amountSent: { value: {} } } })
    send(link, [1, 2])
    link.dispatchEvent(new CustomEvent(WM_CHANNEL_EVENT, { detail: '{not json' }))
    await flush()
    const ours = calls.filter((c) => c.fromUs)
    for (const r of restore.reverse()) r()
    restore = []
    window.removeEventListener('error', onError)
    link.removeEventListener('monetization', keep)
    expect(ours).toEqual([])
    expect(errors).toEqual([])
    // amountSent.value {} (an object without a prototype once parsed) cannot be a string: dropped.
    expect(got).toEqual([])
  })

  it('the check itself works: a page-built MonetizationEvent runs the page\'s getters under our constructor', () => {
    const Ctor = (window as unknown as { MonetizationEvent: new (type: string, init: unknown) => Event }).MonetizationEvent
    let stack = ''
    new Ctor('monetization', { paymentPointer: 'p', amountSent: { currency: 'USD', get value() { stack = new Error().stack ?? ''; return '1' } } })
    expect(stack).toContain(OURS)
  })
})
