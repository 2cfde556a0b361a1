// The stand-ins the worker build gives the ILP libraries for eventemitter2, dateformat and uuid
// (vite.config.ts), each checked against the real package for the calls the libraries make.
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'

const require = createRequire(import.meta.url)
const shims = '../../src/background/platform/shims/'

interface Emitter {
  on(e: string, f: (...a: unknown[]) => void): this
  once(e: string, f: (...a: unknown[]) => void): this
  emit(e: string, ...a: unknown[]): boolean
  removeListener(e: string, f: (...a: unknown[]) => void): this
  removeAllListeners(e?: string): this
}
type EmitterClass = new () => Emitter

/** What ilp-plugin-btp does with its emitters (index.js, ws-reconnect.js), as a log of what ran. */
function script(Base: EmitterClass): string[] {
  const log: string[] = []
  class Plugin extends Base {}
  const p = new Plugin()
  const onDisconnect = (): void => { log.push('disconnect') }
  p.once('disconnect', onDisconnect)
  p.once('_first_time_connect', (auth) => { log.push(`first ${String(auth)}`); p.removeListener('disconnect', onDisconnect) })
  log.push(`emit first: ${String(p.emit('_first_time_connect', 'auth'))}`)
  log.push(`emit first again: ${String(p.emit('_first_time_connect', 'auth'))}`)
  log.push(`emit disconnect: ${String(p.emit('disconnect'))}`)
  const callback = (type: unknown, data: unknown): void => { log.push(`callback ${String(type)} ${String(data)}`) }
  p.once('__callback_7', callback)
  p.emit('__callback_7', 1, 'data', 'extra')
  p.emit('__callback_7', 2, 'late')
  p.on('message', (d) => { log.push(`message ${String(d)}`) })
  p.on('message', (d) => { log.push(`message again ${String(d)}`) })
  p.emit('message', 'm')
  p.removeAllListeners()
  log.push(`after removeAll: ${String(p.emit('message', 'gone'))}`)
  try { p.emit('error', new Error('boom')) } catch (e) { log.push(`threw ${(e as Error).message}`) }
  return log
}

describe('the eventemitter2 shim (Node\'s EventEmitter)', () => {
  it('behaves as EventEmitter2 does for every call ilp-plugin-btp makes', () => {
    const real = (require('eventemitter2') as { EventEmitter2: EmitterClass }).EventEmitter2
    const shim = (require(`${shims}eventemitter2.cjs`) as { EventEmitter2: EmitterClass }).EventEmitter2
    const expected = script(real)
    expect(expected).toContain('first auth')
    expect(expected).toContain('threw boom')
    expect(script(shim)).toEqual(expected)
  })
})

describe('the dateformat shim', () => {
  const MASK = "UTC:yyyymmddHHMMss.l'Z'"
  const real = require('dateformat') as (d: unknown, m: string) => string
  const shim = require(`${shims}dateformat.cjs`) as (d: unknown, m: string) => string

  it('formats btp-packet\'s one mask as dateformat does, from a Date or an ISO string', () => {
    const dates = [Date.UTC(2026, 0, 2, 3, 4, 5, 6), Date.UTC(1999, 11, 31, 23, 59, 59, 999), Date.UTC(2000, 1, 29), 0, Date.now()].map((t) => new Date(t))
    for (const d of dates) {
      expect(shim(d, MASK)).toBe(real(d, MASK))
      expect(shim(d.toISOString(), MASK)).toBe(real(d.toISOString(), MASK))
    }
    expect(shim(new Date(Date.UTC(2026, 10, 22, 12, 30, 1, 20)), MASK)).toBe('20261122123001.020Z')
  })

  it('refuses an invalid date, as dateformat does, and any other mask', () => {
    expect(() => real('not a date', MASK)).toThrow(TypeError)
    expect(() => shim('not a date', MASK)).toThrow(TypeError)
    expect(() => shim(new Date(), 'yyyy-mm-dd')).toThrow(/formats only/)
  })
})

describe('the uuid shim', () => {
  it('gives random v4 uuids, as uuid.v4() does', () => {
    const { v4 } = require(`${shims}uuid.cjs`) as { v4: () => string }
    const a = v4()
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(v4()).not.toBe(a)
  })
})
