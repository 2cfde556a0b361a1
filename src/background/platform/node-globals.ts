/**
 * Node globals that ilp-protocol-stream and ilp-plugin-btp expect and an extension worker lacks
 * (docs/PLATFORM.md, "The ILP libraries inside an MV3 service worker"). This module must be imported first.
 */
import { Buffer } from 'buffer'

type Task = () => void
// Seen as a plain record: Node's own typings (pulled in by the ILP libraries) would claim these exist.
const g = globalThis as unknown as Record<string, unknown>

g.Buffer ??= Buffer
g.global ??= globalThis

// process.nextTick runs before other macrotasks, like a microtask.
const processShim = {
  env: {},
  browser: true,
  version: '',
  versions: {},
  nextTick(fn: (...args: unknown[]) => void, ...args: unknown[]): void {
    queueMicrotask(() => fn(...args))
  },
}
g.process ??= processShim

// Without setImmediate the STREAM connection dies silently right after its handshake. A MessageChannel
// gives a macrotask without setTimeout's 4 ms clamp on nested timers.
if (g.setImmediate === undefined) {
  const queue: Task[] = []
  const channel = new MessageChannel()
  channel.port1.onmessage = () => {
    const task = queue.shift()
    task?.()
  }
  g.setImmediate = (fn: (...args: unknown[]) => void, ...args: unknown[]): number => {
    queue.push(() => fn(...args))
    channel.port2.postMessage(null)
    return 0
  }
}
