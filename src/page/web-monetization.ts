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
 *
 * Two exceptions are known, where the page's own code is called by design and our frame is below it:
 * the getters of an init the page passes to `new MonetizationEvent(...)` (which must be read), and the
 * `toString` of an object the page passes to `relList.supports(...)`. In both the page calls us first,
 * with code of its own choosing; what its code then sees is the page script's URL (in Chromium the
 * same for every user of this version, so it tells no one apart; Firefox's is per install).
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

export function installWebMonetization(win: Window & typeof globalThis): void {
  const MONETIZATION = 'monetization'
  const doc = win.document
  if (MONETIZATION in doc) return // another provider is already there; do not fight it

  // The built-ins the API uses, as the page's world had them at install. Local names, not one object's
  // fields: the minifier shortens local names, never property names (issue 14, the page script's weight).
  /* eslint-disable @typescript-eslint/unbound-method -- called through `uncurry` */
  const FnProto = win.Function.prototype
  const bindOf = FnProto.bind
  const callOf = FnProto.call
  const { apply, construct } = win.Reflect
  const { freeze, defineProperty, getOwnPropertyDescriptor, setPrototypeOf } = win.Object
  // uncurry(f)(self, ...args) is f.call(self, ...args), made of natives only: a bound `call`.
  const uncurry = <T, A extends unknown[], R>(f: (this: T, ...args: A) => R): ((self: T, ...args: A) => R) =>
    apply(bindOf, callOf, [f]) as (self: T, ...args: A) => R
  const getter = (proto: object, name: string): ((self: unknown) => unknown) => {
    const get = getOwnPropertyDescriptor(proto, name)?.get
    // Browsers make these IDL attributes (getters); happy-dom, under test, keeps some as plain fields.
    if (get === undefined) return (self: unknown) => (self as Record<string, unknown>)[name]
    return uncurry(get as (this: unknown) => unknown)
  }
  const wm = win.WeakMap.prototype
  const ET = win.EventTarget.prototype
  const El = win.Element.prototype
  const NodeProto = win.Node.prototype
  const EventProto = win.Event.prototype
  const HTMLProto = win.HTMLElement.prototype
  const TokenListProto = win.DOMTokenList.prototype
  const { Event, CustomEvent, WeakMap, Proxy, String } = win
  const isArray = win.Array.isArray
  const jsonParse = win.JSON.parse
  const captureStackTrace = (win.Error as { captureStackTrace?: (target: object, omitAbove: object) => void }).captureStackTrace
  const bind = uncurry(bindOf) as (f: Fn, self: unknown, ...args: unknown[]) => () => void
  // applyDispatch(target, [event]): dispatchEvent.apply(target, [event]). Ours alone, so that binding it
  // later reads no property the page could have redefined (a bound function reads its target's name).
  const applyDispatch = apply(bindOf, FnProto.apply, [ET.dispatchEvent]) as (target: EventTarget, args: [Event]) => boolean
  const queueMicrotask = apply(bindOf, win.queueMicrotask, [win]) as (job: () => void) => void
  const toLowerCase = uncurry(String.prototype.toLowerCase)
  const wmGet = uncurry(wm.get) as <V>(m: WeakMap<object, V>, key: unknown) => V | undefined
  const wmSet = uncurry(wm.set) as <V>(m: WeakMap<object, V>, key: unknown, value: V) => unknown
  const addEventListener = uncurry(ET.addEventListener) as (target: unknown, type: string, listener: Fn, capture?: boolean) => void
  const removeEventListener = uncurry(ET.removeEventListener) as (target: unknown, type: string, listener: Fn) => void
  const stopImmediatePropagation = uncurry(EventProto.stopImmediatePropagation)
  const eventTarget = getter(EventProto, 'target') as (e: Event) => EventTarget | null
  const customDetail = getter(win.CustomEvent.prototype, 'detail') as (e: Event) => unknown
  const isConnected = getter(NodeProto, 'isConnected') as (n: Node) => boolean
  const nodeType = getter(NodeProto, 'nodeType') as (n: Node) => number
  const getAttribute = uncurry(El.getAttribute)
  const setAttribute = uncurry(El.setAttribute)
  const removeAttribute = uncurry(El.removeAttribute)
  const recordTarget = getter(win.MutationRecord.prototype, 'target') as (r: MutationRecord) => Node
  const parentNode = getter(NodeProto, 'parentNode') as (n: Node) => Node | null
  /* eslint-enable @typescript-eslint/unbound-method */
  // What runs only here, at install (creating the scratch element, observing, listening on the window),
  // calls the page's world directly: no page code has run yet, so that is the same as capturing it.

  const ELEMENT_NODE = 1
  const ONMONETIZATION = 'onmonetization'
  const LinkProto = win.HTMLLinkElement.prototype
  const relOf = getter(LinkProto, 'rel')

  /**
   * An error on its way out of a function the page called: its stack is taken again from here, without
   * `omitAbove` and whatever it called, so the page sees only its own frames (as for a native's error).
   */
  const hide = (err: unknown, omitAbove: object): unknown => {
    if (captureStackTrace !== undefined && typeof err === 'object' && err !== null) {
      try { captureStackTrace(err, omitAbove) } catch { /* a frozen error keeps the stack it has */ }
    }
    return err
  }

  const FIELDS = ['amountSent', 'paymentPointer', 'incomingPayment', 'amount', 'assetCode', 'assetScale', 'receipt'] as const
  type Fields = unknown[]
  /**
   * A MonetizationEvent's field values from an init (the page's, or the channel's), in FIELDS' order.
   * Pages may construct events with anything: String() coerces like WebIDL's DOMString does.
   */
  const fieldsOf = (init: MonetizationEventInit): Fields => [
    freeze({ value: String(init.amountSent.value), currency: String(init.amountSent.currency) }),
    String(init.paymentPointer),
    init.incomingPayment ?? null,
    init.amount ?? null,
    init.assetCode ?? null,
    init.assetScale ?? null,
    init.receipt ?? null,
  ]
  /** Gives an event its fields as own properties, as class fields are defined (writable, enumerable). */
  const defineFields = (event: Event, fields: Fields): void => {
    for (let i = 0; i < FIELDS.length; i++) {
      defineProperty(event, FIELDS[i] as string, { __proto__: null, value: fields[i], writable: true, enumerable: true, configurable: true } as PropertyDescriptor)
    }
  }

  class MonetizationEvent extends Event {
    declare readonly amountSent: MonetizationCurrencyAmount
    declare readonly paymentPointer: string
    declare readonly incomingPayment: string | null
    /* deprecated in the spec, kept for older sites */ declare readonly amount: string | null
    /* deprecated in the spec, kept for older sites */ declare readonly assetCode: string | null
    /* deprecated in the spec, kept for older sites */ declare readonly assetScale: number | null
    /* deprecated in the spec, kept for older sites */ declare readonly receipt: string | null
    // Only pages call this (with their own init, whose getters are theirs); Trickle's events are built
    // by monetizationEvent() below, which runs no code of the page's.
    constructor(type: string, init: MonetizationEventInit) {
      try {
        super(type, init)
        defineFields(this, fieldsOf(init))
      } catch (err) {
        throw hide(err, MonetizationEvent)
      }
    }
  }
  defineProperty(win, 'MonetizationEvent', { value: MonetizationEvent, writable: true, configurable: true, enumerable: false })

  /**
   * What `new MonetizationEvent(...)` makes, without running its constructor: `super()` calls whatever
   * the class's prototype is now, and a page can change that.
   */
  const monetizationEvent = (fields: Fields): Event => {
    const event = construct(Event, [MONETIZATION, { __proto__: null, bubbles: true } /* not cancelable, not composed */], MonetizationEvent) as Event
    defineFields(event, fields)
    return event
  }

  type State = 'stopped' | 'pending' | 'started'
  let state: State = 'stopped'
  class DocumentMonetization extends win.EventTarget {
    get state(): State { return state }
  }
  const monetization = new DocumentMonetization()
  defineProperty(doc, MONETIZATION, { value: monetization, enumerable: true }) // a new property (see above): read-only, not configurable

  // onmonetization as an IDL attribute on every element, the document and the window. The listener
  // is a Proxy of the page's function (no trap): calling it calls that function, with no frame of ours.
  const handlers = new WeakMap<object, Fn | undefined>()
  const NO_TRAPS = { __proto__: null } as ProxyHandler<Fn>
  const setHandler = (target: unknown, fn: unknown): void => {
    const old = wmGet(handlers, target)
    if (old !== undefined) removeEventListener(target, MONETIZATION, old)
    if (typeof fn === 'function') {
      const listener = new Proxy(fn as Fn, NO_TRAPS)
      wmSet(handlers, target, listener)
      addEventListener(target, MONETIZATION, listener)
    } else {
      wmSet(handlers, target, undefined)
    }
  }
  function getOnmonetization(this: unknown): unknown {
    try { if (isElement(this)) syncAttribute(this) } catch { /* a node the page made strange: as it was */ }
    return wmGet(handlers, this) ?? null
  }
  function setOnmonetization(this: unknown, fn: unknown): void {
    try {
      setHandler(this, fn)
      // Set as a property: the attribute as it is now is not newer than this handler.
      if (isElement(this)) wmSet(setFrom, this, getAttribute(this, ONMONETIZATION))
    } catch (err) {
      throw hide(err, setOnmonetization)
    }
  }
  for (const proto of [HTMLProto, win.Document.prototype, win.Window.prototype]) {
    defineProperty(proto, ONMONETIZATION, { configurable: true, enumerable: true, get: getOnmonetization, set: setOnmonetization })
  }

  // The onmonetization content attribute, on any element: compiled into the handler when set, by the
  // browser itself as an onclick attribute of a detached element, so that its frames are the page's
  // and a policy without 'unsafe-inline' leaves it inert, as it would a built-in event's attribute.
  const scratch = doc.createElement('div') // at install
  // eslint-disable-next-line @typescript-eslint/unbound-method -- bound to the scratch element
  const onclick = getOwnPropertyDescriptor(HTMLProto, 'onclick')?.get
  const compiledOnclick = onclick === undefined ? undefined : bind(onclick, scratch)
  const compile = (text: string): unknown => {
    if (compiledOnclick === undefined) return null
    try {
      setAttribute(scratch, 'onclick', text)
      return compiledOnclick()
    } catch {
      return null // Trusted Types refused the attribute
    } finally {
      removeAttribute(scratch, 'onclick')
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
  const setFrom = new WeakMap<object, string | null>()
  const fromAttribute = (el: Element): void => {
    const text = getAttribute(el, ONMONETIZATION)
    wmSet(setFrom, el, text)
    setHandler(el, text === null ? null : compile(text))
  }
  /** Brings an element's handler up to date with an attribute the observer could not have seen. */
  const syncAttribute = (el: Element): void => {
    const text = getAttribute(el, ONMONETIZATION)
    const last = wmGet(setFrom, el)
    if (text === last || (last === undefined && text === null)) return
    fromAttribute(el)
  }
  /** Whether `v` is an element (the window and the document carry onmonetization too, and are not nodes' kind of thing here). */
  const isElement = (v: unknown): v is Element => {
    if (typeof v !== 'object' || v === null) return false
    try { return nodeType(v as Node) === ELEMENT_NODE } catch { return false } // the window is no Node: its getter refuses it
  }
  const observer = new win.MutationObserver((records) => {
    for (let i = 0; i < records.length; i++) {
      try {
        const target = recordTarget(records[i] as MutationRecord)
        if (nodeType(target) === ELEMENT_NODE) fromAttribute(target as Element)
      } catch {
        // a node the page made strange; the others still count
      }
    }
  })
  observer.observe(doc, { subtree: true, attributes: true, attributeFilter: [ONMONETIZATION] })
  /** Before an event is fired at `target`: the handlers of every element it will bubble through. */
  const syncPath = (target: Node): void => {
    for (let n: Node | null = target; n !== null; n = parentNode(n)) {
      try { if (nodeType(n) === ELEMENT_NODE) syncAttribute(n as Element) } catch { /* the others still count */ }
    }
  }

  // <link>.relList.supports('monetization') is the spec's feature test.
  const linkRelLists = new WeakMap<object, true>()
  const relList = getOwnPropertyDescriptor(LinkProto, 'relList')
  if (relList?.get !== undefined) {
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called through `uncurry` only
    const relListOf = uncurry(relList.get as (this: unknown) => unknown)
    function getRelList(this: unknown): unknown {
      try {
        const list = relListOf(this)
        wmSet(linkRelLists, list, true)
        return list
      } catch (err) {
        throw hide(err, getRelList)
      }
    }
    // The descriptor as it was, with our getter.
    defineProperty(LinkProto, 'relList', { ...relList, get: getRelList })
    // eslint-disable-next-line @typescript-eslint/unbound-method -- called through `uncurry` only
    const nativeSupports = uncurry(TokenListProto.supports as (this: unknown, token: unknown) => boolean)
    function supports(this: unknown, token: unknown): boolean {
      if (typeof token === 'string' && wmGet(linkRelLists, this) === true && toLowerCase(token) === MONETIZATION) return true
      // An object token is converted by its own toString, the page's code: nothing of ours to protect.
      if (token !== null && (typeof token === 'object' || typeof token === 'function')) return nativeSupports(this, token)
      try { return nativeSupports(this, token) } catch (err) { throw hide(err, supports) }
    }
    defineProperty(TokenListProto, 'supports', { configurable: true, writable: true, value: supports })
  }

  /** Fires `event` at `target` from a microtask, through natives only: the page's listeners run on an empty stack. */
  const fire = (target: EventTarget, event: Event): void => queueMicrotask(bind(applyDispatch, undefined, target, [event]))

  // The channel's receiving end: first in line (capture on window), and the event stops here.
  // (Through win's own addEventListener, at install: under test, happy-dom's window is not the EventTarget it looks like.)
  win.addEventListener(WM_CHANNEL_EVENT, (e: Event) => {
    try {
      stopImmediatePropagation(e)
      const instruction = parse(customDetail(e))
      if (instruction === null) return
      if (instruction.api === 'v1') {
        const next = instruction.state
        const detail = freeze({ ...instruction.detail })
        const event = new CustomEvent(String(instruction.type), { __proto__: null, detail } as CustomEventInit)
        // The state changes as its event fires, not before: both wait for the same microtask queue.
        queueMicrotask(() => { state = next })
        fire(monetization, event)
        return
      }
      // The target is a <link>: the native `rel` getter takes nothing else, and runs no page code on
      // the way (walking a prototype chain would run a Proxy's getPrototypeOf trap under our frame).
      const target = eventTarget(e) as HTMLLinkElement
      try { relOf(target) } catch { return }
      if (!isConnected(target)) return
      if (instruction.type === MONETIZATION) {
        syncPath(target)
        fire(target, monetizationEvent(fieldsOf(instruction.init)))
      } else {
        fire(target, new Event(String(instruction.type)))
      }
    } catch {
      // a malformed instruction (only a page can send one): nothing fires, and nothing of ours is thrown at it
    }
  }, true)

  /** The channel's JSON, as objects without a prototype: a field it lacks reads as undefined, never as a getter of the page's. */
  function parse(detail: unknown): PageInstruction | null {
    if (typeof detail !== 'string') return null
    const value: unknown = jsonParse(detail, (_key, v: unknown): unknown => (typeof v === 'object' && v !== null ? setPrototypeOf(v, null) as unknown : v))
    if (typeof value !== 'object' || value === null || isArray(value)) return null
    const api = (value as { api?: unknown }).api
    return api === 'v1' || api === 'link' ? (value as PageInstruction) : null
  }
}
