/**
 * The first-payment and rate figures over the ILP-over-HTTP uplink, in the same run and the same
 * Chromium as the BTP figures (run.ts calls this between its Chromium measures and the render bench):
 * the extension is switched to the sandbox connector's HTTP account through its options page, measured
 * the same way, and switched back to BTP. The bare sender beside it is Trickle's own HttpLink in Node
 * (SPSP + ILDCP over HTTP + STREAM connect + first packet).
 */
import { bareSenderOn } from './bare-sender.ts'
import { HttpLink } from '../../src/background/payment/http-link.ts'
import { validateUplink } from '../../src/shared/settings.ts'
import type { Stack } from '../e2e/stack.ts'

interface Sample { extension: number; receiver: number; steps: Record<string, number> }
interface Rate { expected: bigint; delivered: bigint; visibleMs: number; packets: number; minGapMs: number }

export interface HttpBenchDeps {
  stack: Stack
  loads: number
  pauseMs: number
  rateSeconds: number
  /** run.ts's own measures, so both transports are measured by the same code. */
  firstPayment(name: string, cold: boolean): Promise<Sample>
  rate(name: string): Promise<Rate>
  pct(xs: number[], p: number): number
  sleep(ms: number): Promise<void>
  /** The BTP figures of this run, for the comparison line. */
  btp: { warmP50: number; coldP50: number; bareP50: number; ratePct: number }
}

const fmt = (ms: number): string => `${ms.toFixed(0)} ms`

async function useUplink(stack: Stack, kind: 'btp' | 'http'): Promise<void> {
  await stack.configure(kind === 'http'
    ? { uplinkUrl: stack.net.httpUplink.endpoint, httpToken: stack.net.httpUplink.token }
    : { uplinkUrl: stack.net.uplinkUrl })
  const via = kind === 'http' ? 'over ILP over HTTP' : 'over BTP'
  await stack.control.getByLabel('Uplink status').filter({ hasText: via }).waitFor({ timeout: 15_000 })
}

/** SPSP, then ILDCP and STREAM over Trickle's own HTTP client in Node, then the first packet. */
async function bareHttpSender(stack: Stack, name: string): Promise<number> {
  const parsed = validateUplink(stack.net.httpUplink.text)
  if (!parsed.ok || parsed.value.kind !== 'http') throw new Error('the sandbox HTTP uplink does not parse')
  const config = parsed.value
  return bareSenderOn(stack.net.receiver.spspBase, () => new HttpLink(config, { fetch }), name)
}

/** Measures over HTTP and returns the section of docs/benchmarks.md; the extension is back on BTP after. */
export async function httpUplinkSection(d: HttpBenchDeps): Promise<string> {
  const { stack } = d
  await useUplink(stack, 'http')
  try {
    const bare: number[] = []
    const warm: Sample[] = []
    const cold: Sample[] = []
    await bareHttpSender(stack, 'bench-http-warmup-node')
    await d.firstPayment('bench-http-warmup-ext', false)
    for (let i = 0; i < d.loads; i++) {
      bare.push(await bareHttpSender(stack, `bench-http-node-${i}`))
      await d.sleep(d.pauseMs)
      warm.push(await d.firstPayment(`bench-http-warm-${i}`, false))
      await d.sleep(d.pauseMs)
      cold.push(await d.firstPayment(`bench-http-cold-${i}`, true))
      await d.sleep(d.pauseMs)
      process.stdout.write('h')
    }
    console.log()
    const rate = await d.rate('bench-http-rate')
    const w50 = d.pct(warm.map((s) => s.extension), 50)
    const c50 = d.pct(cold.map((s) => s.extension), 50)
    const b50 = d.pct(bare, 50)
    const errorPct = (Number(rate.delivered - rate.expected) / Number(rate.expected)) * 100
    const row = (label: string, xs: number[]): string => `| ${label} | ${fmt(d.pct(xs, 50))} | ${fmt(d.pct(xs, 95))} |`
    const step = (point: string): string => fmt(d.pct(warm.map((s) => s.steps[point] ?? NaN), 50))
    return `
## The same over ILP over HTTP (RFC 0035), same run

The extension switched to the sandbox connector's ILP-over-HTTP account (ilp-plugin-http on 127.0.0.1,
a bearer token) through its options page, then measured as above (${d.loads} loads each, interleaved);
the bare sender is Trickle's own HTTP client in Node. The worker keeps one link ready (ILDCP already
asked), and the browser reuses its connection to the endpoint, so no packet waits for a handshake.

| case | p50 | p95 |
|---|---|---|
${row('extension, warm worker', warm.map((s) => s.extension))}
${row('extension, cold worker', cold.map((s) => s.extension))}
${row('bare Node sender over HTTP', bare)}
${row('receiver sees the first money, warm', warm.map((s) => s.receiver))}

| first payment, p50 | ILP over HTTP | BTP (above) |
|---|---|---|
| extension, warm | ${fmt(w50)} | ${fmt(d.btp.warmP50)} |
| extension, cold | ${fmt(c50)} | ${fmt(d.btp.coldP50)} |
| bare Node sender | ${fmt(b50)} | ${fmt(d.btp.bareP50)} |
| warm / bare | ${(w50 / b50).toFixed(2)}× | ${(d.btp.warmP50 / d.btp.bareP50).toFixed(2)}× |
| warm steps: uplink (link ready) → STREAM open → first fulfil | ${step('uplink')} → ${step('stream')} → ${step('fulfilled')} | |

| rate over ${d.rateSeconds} s, ILP over HTTP | value |
|---|---|
| expected at the receiver | ${rate.expected} units |
| delivered (receiver's records) | ${rate.delivered} units |
| error | ${errorPct.toFixed(3)} % (BTP in this run: ${d.btp.ratePct.toFixed(3)} %) |
| packets per second | ${(rate.packets / (rate.visibleMs / 1000)).toFixed(2)} |
| shortest interval between two packets | ${rate.minGapMs} ms |
`
  } finally {
    await useUplink(stack, 'btp')
  }
}
