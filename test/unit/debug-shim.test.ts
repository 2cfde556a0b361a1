// The `debug` stand-in the build ships to the ILP libraries (vite.config.ts): their loggers exist, keep
// their names (ilp-plugin-btp reads `.namespace`), extend, and print nothing.
import { createRequire } from 'node:module'
import { describe, expect, it, vi } from 'vitest'

const createDebug = createRequire(import.meta.url)('../../src/background/platform/shims/debug.cjs') as ((ns: string) => ((...a: unknown[]) => void) & { namespace: string; enabled: boolean; extend(s: string): { namespace: string } }) & { formatters: Record<string, unknown>; enabled(ns: string): boolean }

describe('the debug shim', () => {
  it('gives named loggers that print nothing, as ilp-logger and ilp-plugin-btp use them', () => {
    const log = vi.spyOn(console, 'log')
    const error = vi.spyOn(console, 'error')
    const info = createDebug('ilp-protocol-stream:Connection:info')
    info('a %h', Buffer.from('ab'))
    expect(info.namespace).toBe('ilp-protocol-stream:Connection:info')
    expect(info.enabled).toBe(false)
    expect(info.extend('x').namespace).toBe('ilp-protocol-stream:Connection:info:x')
    expect(createDebug.enabled('anything')).toBe(false)
    createDebug.formatters.h = (v: Buffer) => v.toString('hex') // what ilp-protocol-stream does at load
    expect(log).not.toHaveBeenCalled()
    expect(error).not.toHaveBeenCalled()
  })
})
