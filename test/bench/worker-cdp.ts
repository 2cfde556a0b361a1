/**
 * Raw CDP to the extension's service worker and to the browser, for the worker's own CPU and heap
 * (Playwright's sessions reach pages, not workers). One WebSocket to the browser's DevTools endpoint,
 * flat sessions: the worker target is attached with `Target.attachToTarget({ flatten: true })` and
 * its commands carry that session's id.
 */
import { readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'
import WebSocket from 'ws'
import type { ExtensionBrowser } from '../sandbox/browser.ts'

interface Reply { id?: number; result?: unknown; error?: { message: string }; method?: string; params?: unknown; sessionId?: string }

export class Cdp {
  private next = 1
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>()
  private readonly listeners: ((r: Reply) => void)[] = []
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as Reply
      if (msg.id !== undefined) {
        const w = this.waiting.get(msg.id)
        this.waiting.delete(msg.id)
        if (msg.error !== undefined) w?.reject(new Error(msg.error.message))
        else w?.resolve(msg.result)
      } else for (const l of this.listeners) l(msg)
    })
    ws.on('close', () => { for (const w of this.waiting.values()) w.reject(new Error('CDP connection closed')) })
  }

  static async connect(browser: ExtensionBrowser): Promise<Cdp> {
    const ws = new WebSocket(await browser.cdpUrl(), { perMessageDeflate: false })
    await new Promise<void>((resolve, reject) => { ws.once('open', () => { resolve() }); ws.once('error', reject) })
    return new Cdp(ws)
  }

  send<T = unknown>(method: string, params: object = {}, sessionId?: string): Promise<T> {
    const id = this.next++
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject })
      this.ws.send(JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) }))
    })
  }

  on(listener: (r: Reply) => void): void { this.listeners.push(listener) }

  close(): void { this.ws.close() }
}

/** A session on the extension's running service worker; `marker` tells this instance from a restarted one. */
export interface WorkerSession {
  sessionId: string
  targetId: string
  send<T = unknown>(method: string, params?: object): Promise<T>
  /** A random id kept in the worker's global scope: it changes only if the worker was restarted. */
  marker(): Promise<string>
  /** True once the worker target went away (stopped or killed) after this session attached. */
  detached(): boolean
}

export async function attachWorker(cdp: Cdp, extensionId: string): Promise<WorkerSession> {
  const { targetInfos } = await cdp.send<{ targetInfos: { targetId: string; type: string; url: string }[] }>('Target.getTargets')
  const target = targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${extensionId}/`))
  if (target === undefined) throw new Error('the extension has no running service worker')
  const { sessionId } = await cdp.send<{ sessionId: string }>('Target.attachToTarget', { targetId: target.targetId, flatten: true })
  let gone = false
  cdp.on((m) => {
    if (m.method === 'Target.detachedFromTarget' && (m.params as { sessionId?: string }).sessionId === sessionId) gone = true
  })
  const send = <T,>(method: string, params: object = {}): Promise<T> => cdp.send<T>(method, params, sessionId)
  // An attached worker may wait for the debugger before it runs on: let it run.
  await send('Runtime.runIfWaitingForDebugger').catch(() => undefined)
  return {
    sessionId,
    targetId: target.targetId,
    send,
    async marker() {
      const r = await send<{ result: { value?: string } }>('Runtime.evaluate', {
        expression: 'globalThis.__trickleBenchMarker ??= crypto.randomUUID()', returnByValue: true,
      })
      return r.result.value ?? ''
    },
    detached: () => gone,
  }
}

export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim())

/** User + system CPU time of a process so far, in ms, from /proc/<pid>/stat (fields 14 and 15). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) is in parentheses and may hold spaces: count from after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return ((utime + stime) * 1000) / CLK_TCK
}

export interface ChromiumProcess { id: number; type: string; cpuTime: number; cmdline: string }

/** Every process of this browser (CDP SystemInfo), with its command line. */
export async function browserProcesses(cdp: Cdp): Promise<ChromiumProcess[]> {
  const { processInfo } = await cdp.send<{ processInfo: { id: number; type: string; cpuTime: number }[] }>('SystemInfo.getProcessInfo')
  return processInfo.map((p) => {
    let cmdline = ''
    try { cmdline = readFileSync(`/proc/${p.id}/cmdline`, 'utf8').replace(/\0/g, ' ') } catch { /* gone */ }
    return { ...p, cmdline }
  })
}

/**
 * The extension renderer process of this browser: the renderer whose command line has
 * `--extension-process` (the only extension loaded is Trickle, so there is one).
 */
export async function extensionProcess(cdp: Cdp): Promise<number> {
  const found = (await browserProcesses(cdp)).filter((p) => p.type === 'renderer' && p.cmdline.includes('--extension-process'))
  if (found.length !== 1) throw new Error(`expected one extension renderer process, found ${found.length}`)
  return (found[0] as ChromiumProcess).id
}
