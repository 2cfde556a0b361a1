/**
 * Logging with a ring buffer on globalThis (`__trickleLog`): the console of an extension worker is hard
 * to reach from tests, the buffer is not. Never log secrets: uplink URLs go through redactUplink.
 */
type Level = 'info' | 'warn' | 'error'
export interface Log { info(...a: unknown[]): void; warn(...a: unknown[]): void; error(...a: unknown[]): void }

const RING_SIZE = 300
const g = globalThis as typeof globalThis & { __trickleLog?: string[] }

export function createLog(scope: string): Log {
  const ring = (g.__trickleLog ??= [])
  const write = (level: Level, args: unknown[]): void => {
    const line = `${new Date().toISOString()} ${level} [${scope}] ${args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ')}`
    ring.push(line)
    if (ring.length > RING_SIZE) ring.splice(0, ring.length - RING_SIZE)
    console[level](`[trickle:${scope}]`, ...args)
  }
  return { info: (...a) => write('info', a), warn: (...a) => write('warn', a), error: (...a) => write('error', a) }
}
