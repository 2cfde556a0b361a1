// The README's main job: `npm start` (and `npm start -- --uplink http`) shows money moving and stops cleanly on Ctrl-C.
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { freePort } from '../sandbox/ports.ts'
import { waitFor } from './stack.ts'

const ROOT = resolve(import.meta.dirname, '../..')

describe('the sandbox command', () => {
  it.each(['btp', 'http'] as const)('starts the network and a browser that pays the demo page over %s, and stops on Ctrl-C', async (uplink) => {
    const ports = [await freePort(), await freePort(), await freePort(), await freePort()].map(String)
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/sandbox/start.ts', '--headless',
      '--wallet-port', ports[0] ?? '', '--spsp-port', ports[1] ?? '', '--site-port', ports[2] ?? '', '--http-port', ports[3] ?? '',
      ...(uplink === 'http' ? ['--uplink', 'http'] : [])], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { out += d.toString() })
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
    try {
      // Three report lines in which alice's total has grown: money is moving.
      const totals = await waitFor('three growing totals', () => {
        const seen = [...out.matchAll(/alice: (\d+\.\d+) USD/g)].map((m) => Number(m[1]))
        const growing = seen.filter((v, i) => i > 0 && v > (seen[i - 1] ?? 0))
        return growing.length >= 2 ? seen : undefined
      }, 30_000)
      expect(totals.at(-1)).toBeGreaterThan(0)
      expect(out).toContain(`http://127.0.0.1:${ports[2] ?? ''}/meta`)
      // The browser was set up with the uplink asked for (the sandbox prints which).
      expect(out).toContain(uplink === 'http' ? `http://127.0.0.1:${ports[3] ?? ''}/ (ILP over HTTP` : `127.0.0.1:${ports[0] ?? ''}`)
    } finally {
      child.kill('SIGINT')
    }
    expect(await exited).toBe(0)
    expect(out).toContain('Sandbox stopped.')
  })
})
