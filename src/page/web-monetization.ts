/**
 * The Web Monetization API as pages see it, installed in the page's own world: the v1
 * `document.monetization` (an EventTarget with `state` and four events) and the current spec's
 * `MonetizationEvent`, fired as `monetization` at the <link>, with `onmonetization` handlers and
 * `relList.supports('monetization')`. It only dispatches what Trickle's content script decided;
 * nothing here can reach the extension.
 *
 * The page must learn nothing else, and its own code runs in this world: any of its code that runs
 * while one of our functions is on the stack can read our frames (`new Error().stack`, or
 * `Error.prepareStackTrace`'s CallSites, whose getFileName() is the extension URL whatever the
 * script's sourceURL says). So everything here uses built-ins captured at install (before any page
 * script runs), never looks a property up where the page could have put a getter, never throws out
 * of our frames with our frames in the error, and fires the page's events from a microtask through
 * bound natives, so that its listeners run with none of our frames below them.
 */
import { WM_CHANNEL_EVENT, type PageInstruction } from '../shared/wm-channel.ts'

export interface MonetizationCurrencyAmount { value: string; currency: string }
export interface MonetizationEventInit extends EventInit {
  amountSent: MonetizationCurrencyAmount
  paymentPointer: string
  incomingPayment?: string | null
  amount?: string | null
  assetCode?: string | null
  assetScale?: number | null
  receipt?: string | null
}

type Fn = (...args: never[]) => unknown

/** The built-ins the API uses, as the page's world had them at install. */
function captureBuiltins(win: Window & typeof globalThis) {
  /* eslint-disable @typescript-eslint/unbound-method, @typescript-eslint/no-deprecated -- called through `uncurry` (deprecated are only some overloads' types) */
  const FnProto = win.Function.prototype
  const bindOf = FnProto.bind
  const callOf = FnProto.call
  // uncurry(f)(self, ...args) is f.call(self, ...args), made of natives only: a bound `call`.
  const uncurry = <T, A extends unknown[], R>(f: (this: T, ...args: A) => R): ((self: T, ...args: A) => R) =>
    win.Reflect.apply(bindOf, callOf, [f]) as (self: T, ...args: A) => R
  const getter = (proto: object, name: string): ((self: unknown) => unknown) => {
    const get = win.Object.getOwnPropertyDescriptor(proto, name)?.get
    // Browsers make these IDL attributes (getters); happy-dom, under test, keeps some as plain fields.
    if (get === undefined) return (self: unknown) => (self as Record<string, unknown>)[name]
    return uncurry(get as (this: unknown) => unknown)
  }
  const O = win.Object
  const wm = win.WeakMap.prototype
  const ws = win.WeakSet.prototype
  const ET = win.EventTarget.prototype
  const El = win.Element.prototype
  const b = {
    uncurry,
    Event: win.Event,
    CustomEvent: win.CustomEvent,
    EventTarget: win.EventTarget,
    MutationObserver: win.MutationObserver,
    WeakMap: win.WeakMap,
    WeakSet: win.WeakSet,
    Proxy: win.Proxy,
    String: win.String,
    construct: win.Reflect.construct,
    freeze: O.freeze,
    defineProperty: O.defineProperty,
    getPrototypeOf: O.getPrototypeOf,
    setPrototypeOf: O.setPrototypeOf,
    isArray: win.Array.isArray,
    jsonParse: win.JSON.parse,
    captureStackTrace: (win.Error as { captureStackTrace?: (target: object, omitAbove: object) => void }).captureStackTrace,
    bind: uncurry(bindOf) as (f: Fn, self: unknown, ...args: unknown[]) => () => void,
    // applyDispatch(target, [event]): dispatchEvent.apply(target, [event]). Ours alone, so that binding it
    // later reads no property the page could have redefined (a bound function reads its target's name).
    applyDispatch: win.Reflect.apply(bindOf, FnProto.apply, [ET.dispatchEvent]) as (target: EventTarget, args: [Event]) => boolean,
    queueMicrotask: win.Reflect.apply(bindOf, win.queueMicrotask, [win]) as (job: () => void) => void,
    toLowerCase: uncurry(win.String.prototype.toLowerCase),
    wmGet: uncurry(wm.get) as <V>(m: WeakMap<object, V>, key: unknown) => V | undefined,
    wmSet: uncurry(wm.set) as <V>(m: WeakMap<object, V>, key: unknown, value: V) => unknown,
    wmDelete: uncurry(wm.delete) as (m: WeakMap<object, Fn>, key: unknown) => boolean,
    wsAdd: uncurry(ws.add) as (s: WeakSet<object>, value: unknown) => unknown,
    wsHas: uncurry(ws.has) as (s: WeakSet<object>, value: unknown) => boolean,
    addEventListener: uncurry(ET.addEventListener) as (target: unknown, type: string, listener: Fn, capture?: boolean) => void,
    removeEventListener: uncurry(ET.removeEventListener) as (target: unknown, type: string, listener: Fn) => void,
    stopImmediatePropagation: uncurry(win.Event.prototype.stopImmediatePropagation),
    eventTarget: getter(win.Event.prototype, 'target') as (e: Event) => EventTarget | null,
    customDetail: getter(win.CustomEvent.prototype, 'detail') as (e: Event) => unknown,
    isConnected: getter(win.Node.prototype, 'isConnected') as (n: Node) => boolean,
    nodeType: getter(win.Node.prototype, 'nodeType') as (n: Node) => number,
    getAttribute: uncurry(El.getAttribute),
    setAttribute: uncurry(El.setAttribute),
    removeAttribute: uncurry(El.removeAttribute),
    createElement: uncurry<Document, [string], HTMLElement>(win.Document.prototype.createElement),
    recordTarget: getter(win.MutationRecord.prototype, 'target') as (r: MutationRecord) => Node,
    parentNode: getter(win.Node.prototype, 'parentNode') as (n: Node) => Node | null,
    observe: uncurry(win.MutationObserver.prototype.observe),
  }
  /* eslint-enable @typescript-eslint/unbound-method, @typescript-eslint/no-deprecated */
  return b
}

export function installWebMonetization(win: Window & typeof globalThis): void {
  const doc = win.document
  if ('monetization' in doc) return // another provider is already there; do not fight it
  const b = captureBuiltins(win)
  const ELEMENT_NODE = 1
  const LinkProto = win.HTMLLinkElement.prototype

  /**
   * An error on its way out of a function the page called: its stack is taken again from here, without
   * `omitAbove` and whatever it called, so the page sees only its own frames (as for a native's error).
   */
  const hide = (err: unknown, omitAbove: object): unknown => {
    if (b.captureStackTrace !== undefined && typeof err === 'object' && err !== null) {
      try { b.captureStackTrace(err, omitAbove) } catch { /* a frozen error keeps the stack it has */ }
    }
    return err
  }

  // Pages may construct events with anything: coerce like WebIDL's DOMString does.
  const asString = (v: unknown): string => b.String(v)

  class MonetizationEvent extends b.Event {
    readonly amountSent: MonetizationCurrencyAmount
    readonly paymentPointer: string
    readonly incomingPayment: string | null
    /* deprecated in the spec, kept for older sites */ readonly amount: string | null
    /* deprecated in the spec, kept for older sites */ readonly assetCode: string | null
    /* deprecated in the spec, kept for older sites */ readonly assetScale: number | null
    /* deprecated in the spec, kept for older sites */ readonly receipt: string | null
    // Only pages call this (with their own init, whose getters are theirs); Trickle's events are built
    // by monetizationEvent() below, which runs no code of the page's.
    constructor(type: string, init: MonetizationEventInit) {
      try {
        super(type, init)
        this.amountSent = b.freeze({ value: asString(init.amountSent.value), currency: asString(init.amountSent.currency) })
        this.paymentPointer = asString(init.paymentPointer)
        this.incomingPayment = init.incomingPayment ?? null
        this.amount = init.amount ?? null
        this.assetCode = init.assetCode ?? null
        this.assetScale = init.assetScale ?? null
        this.receipt = init.receipt ?? null
      } catch (err) {
        throw hide(err, MonetizationEvent)
      }
    }
  }
  b.defineProperty(win, 'MonetizationEvent', { value: MonetizationEvent, writable: true, configurable: true, enumerable: false })

  const FIELDS = ['amountSent', 'paymentPointer', 'incomingPayment', 'amount', 'assetCode', 'assetScale', 'receipt'] as const
  /**
   * What `new MonetizationEvent(...)` makes, without running its constructor: `super()` calls whatever
   * the class's prototype is now, and a page can change that.
   */
  const monetizationEvent = (init: Record<(typeof FIELDS)[number], unknown>): Event => {
    const event = b.construct(b.Event, ['monetization', { __proto__: null, bubbles: true, cancelable: false, composed: false }], MonetizationEvent) as Event
    for (let i = 0; i < FIELDS.length; i++) {
      const name = FIELDS[i] as (typeof FIELDS)[number]
      b.defineProperty(event, name, { __proto__: null, value: init[name], writable: true, enumerable: true, configurable: true } as PropertyDescriptor)
    }
    return event
  }

  type State = 'stopped' | 'pending' | 'started'
  let state: State = 'stopped'
  class DocumentMonetization extends b.EventTarget {
    get state(): State { return state }
  }
  const monetization = new DocumentMonetization()
  b.defineProperty(doc, 'monetization', { value: monetization, writable: false, configurable: false, enumerable: true })

  // onmonetization as an IDL attribute on every element, the document and the window. The listener
  // is a Proxy of the page's function (no trap): calling it calls that function, with no frame of ours.
  const handlers = new b.WeakMap<object, Fn>()
  const NO_TRAPS = { __proto__: null } as ProxyHandler<Fn>
  const setHandler = (target: unknown, fn: unknown): void => {
    const old = b.wmGet(handlers, target)
    if (old !== undefined) b.removeEventListener(target, 'monetization', old)
    if (typeof fn === 'function') {
      const listener = new b.Proxy(fn as Fn, NO_TRAPS)
      b.wmSet(handlers, target, listener)
      b.addEventListener(target, 'monetization', listener)
    } else {
      b.wmDelete(handlers, target)
    }
  }
  function getOnmonetization(this: unknown): unknown {
    try { if (isElement(this)) syncAttribute(this) } catch { /* a node the page made strange: as it was */ }
    return b.wmGet(handlers, this) ?? null
  }
  function setOnmonetization(this: unknown, fn: unknown): void {
    try {
      setHandler(this, fn)
      // Set as a property: the attribute as it is now is not newer than this handler.
      if (isElement(this)) b.wmSet(setFrom, this, b.getAttribute(this, 'onmonetization'))
    } catch (err) {
      throw hide(err, setOnmonetization)
    }
  }
  for (const proto of [win.HTMLElement.prototype, win.Document.prototype, win.Window.prototype]) {
    b.defineProperty(proto, 'onmonetization', { configurable: true, enumerable: true, get: getOnmonetization, set: setOnmonetization })
  }

  // The onmonetization content attribute, on any element: compiled into the handler when set, by the
  // browser itself as an onclick attribute of a detached element, so that its frames are the page's
  // and a policy without 'unsafe-inline' leaves it inert, as it would a built-in event's attribute.
  const scratch = b.createElement(doc, 'div')
  // eslint-disable-next-line @typescript-eslint/unbound-method -- bound to the scratch element
  const onclick = win.Object.getOwnPropertyDescriptor(win.HTMLElement.prototype, 'onclick')?.get
  const compiledOnclick = onclick === undefined ? undefined : b.bind(onclick, scratch)
  const compile = (text: string): unknown => {
    if (compiledOnclick === undefined) return null
    try {
      b.setAttribute(scratch, 'onclick', text)
      return compiledOnclick()
    } catch {
      return null // Trusted Types refused the attribute
    } finally {
      b.removeAttribute(scratch, 'onclick')
    }
  }
  /**
   * The attribute's text each element's handler was last set from (or beside, when set as a property).
   * Attribute changes in the document are seen by an observer filtered to this one attribute, which
   * costs nothing on pages that do not use it. An element that arrives with the attribute (parsed, or
   * inserted with it) is compiled lazily, when its handler is read or an event is about to reach it:
   * so no observer of the page's whole tree, in every frame of every page, for an attribute almost
   * no page has. (One difference from a built-in event attribute: such a handler's listener is added
   * at that moment, so it runs after listeners the page added to the same element before.)
   */
  const setFrom = new b.WeakMap<object, string | null>()
  const fromAttribute = (el: Element): void => {
    const text = b.getAttribute(el, 'onmonetization')
    b.wmSet(setFrom, el, text)
    setHandler(el, text === null ? null : compile(text))
  }
  /** Brings an element's handler up to date with an attribute the observer could not have seen. */
  const syncAttribute = (el: Element): void => {
    const text = b.getAttribute(el, 'onmonetization')
    const last = b.wmGet(setFrom, el)
    if (text === last || (last === undefined && text === null)) return
    fromAttribute(el)
  }
  /** Whether `v` is an element (the window and the document carry onmonetization too, and are not nodes' kind of thing here). */
  const isElement = (v: unknown): v is Element => {
    if (typeof v !== 'object' || v === null) return false
    try { return b.nodeType(v as Node) === ELEMENT_NODE } catch { return false } // the window is no Node: its getter refuses it
  }
  const observer = new b.MutationObserver((records) => {
    for (let i = 0; i < records.length; i++) {
      try {
        const target = b.recordTarget(records[i] as MutationRecord)
        if (b.nodeType(target) === ELEMENT_NODE) fromAttribute(target as Element)
      } catch {
        // a node the page made strange; the others still count
      }
    }
  })
  b.observe(observer, doc, { subtree: true, attributes: true, attributeFilter: ['onmonetization'] })
  /** Before an event is fired at `target`: the handlers of every element it will bubble through. */
  const syncPath = (target: Node): void => {
    for (let n: Node | null = target; n !== null; n = b.parentNode(n)) {
      try { if (b.nodeType(n) === ELEMENT_NODE) syncAttribute(n as Element) } catch { /* the others still count */ }
    }
  }

  // <link>.relList.supports('monetization') is the spec's feature test.
  const linkRelLists = new b.WeakSet<object>()
  const relList = win.Object.getOwnPropertyDescriptor(LinkProto, 'relList')
  if (relList?.get !== undefined) {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called through `uncurry` only
    const relListOf = b.uncurry(relList.get as (this: unknown) => unknown)
    function getRelList(this: unknown): unknown {
      try {
        const list = relListOf(this)
        b.wsAdd(linkRelLists, list)
        return list
      } catch (err) {
        throw hide(err, getRelList)
      }
    }
    // The descriptor as it was, with our getter.
    b.defineProperty(LinkProto, 'relList', { ...relList, get: getRelList })
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called through `uncurry` only
    const nativeSupports = b.uncurry(win.DOMTokenList.prototype.supports as (this: unknown, token: unknown) => boolean)
    function supports(this: unknown, token: unknown): boolean {
      if (typeof token === 'string' && b.wsHas(linkRelLists, this) && b.toLowerCase(token) === 'monetization') return true
      // An object token is converted by its own toString, the page's code: nothing of ours to protect.
      if (token !== null && (typeof token === 'object' || typeof token === 'function')) return nativeSupports(this, token)
      try { return nativeSupports(this, token) } catch (err) { throw hide(err, supports) }
    }
    b.defineProperty(win.DOMTokenList.prototype, 'supports', { configurable: true, writable: true, value: supports })
  }

  /** Fires `event` at `target` from a microtask, through natives only: the page's listeners run on an empty stack. */
  const fire = (target: EventTarget, event: Event): void => b.queueMicrotask(b.bind(b.applyDispatch, undefined, target, [event]))

  // The channel's receiving end: first in line (capture on window), and the event stops here.
  // (Through win's own addEventListener, read now: under test, happy-dom's window is not the EventTarget it looks like.)
  // eslint-disable-next-line @typescript-eslint/unbound-method -- bound to win
  const listenOnWindow = b.bind(win.addEventListener, win) as (type: string, listener: (e: Event) => void, capture: boolean) => void
  listenOnWindow(WM_CHANNEL_EVENT, (e: Event) => {
    try {
      b.stopImmediatePropagation(e)
      const instruction = parse(b.customDetail(e))
      if (instruction === null) return
      if (instruction.api === 'v1') {
        const next = instruction.state
        const detail = b.freeze({ ...instruction.detail })
        const event = new b.CustomEvent(asString(instruction.type), { __proto__: null, detail } as CustomEventInit)
        // The state changes as its event fires, not before: both wait for the same microtask queue.
        b.queueMicrotask(() => { state = next })
        fire(monetization, event)
        return
      }
      const target = b.eventTarget(e)
      if (!isLink(target) || !b.isConnected(target)) return
      if (instruction.type === 'monetization') {
        syncPath(target)
        const init = instruction.init
        const amountSent = init.amountSent as Partial<MonetizationCurrencyAmount>
        fire(target, monetizationEvent({
          amountSent: b.freeze({ value: asString(amountSent.value), currency: asString(amountSent.currency) }),
          paymentPointer: asString(init.paymentPointer),
          incomingPayment: init.incomingPayment ?? null,
          amount: init.amount ?? null,
          assetCode: init.assetCode ?? null,
          assetScale: init.assetScale ?? null,
          receipt: init.receipt ?? null,
        }))
      } else {
        fire(target, new b.Event(asString(instruction.type)))
      }
    } catch {
      // a malformed instruction (only a page can send one): nothing fires, and nothing of ours is thrown at it
    }
  }, true)

  /** `instanceof HTMLLinkElement` without Symbol.hasInstance, which the page can redefine. */
  function isLink(v: unknown): v is HTMLLinkElement {
    if (typeof v !== 'object' || v === null) return false
    for (let p: unknown = b.getPrototypeOf(v); p !== null; p = b.getPrototypeOf(p)) if (p === LinkProto) return true
    return false
  }

  /** The channel's JSON, as objects without a prototype: a field it lacks reads as undefined, never as a getter of the page's. */
  function parse(detail: unknown): PageInstruction | null {
    if (typeof detail !== 'string') return null
    const value: unknown = b.jsonParse(detail, (_key, v: unknown): unknown => (typeof v === 'object' && v !== null ? b.setPrototypeOf(v, null) as unknown : v))
    if (typeof value !== 'object' || value === null || b.isArray(value)) return null
    const api = (value as { api?: unknown }).api
    return api === 'v1' || api === 'link' ? (value as PageInstruction) : null
  }
}
