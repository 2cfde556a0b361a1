// The pointer tester and its command line over a matrix of receivers served for real over HTTP:
// each case must fail at the right step, with a message and a fix, or pass.
import { describe, expect, it } from 'vitest'
import { checkPointer } from '../../src/background/site-owner/pointer-check.ts'
import { reportText, type CheckStep } from '../../src/shared/check-report.ts'
import { main } from '../../src/cli/check-pointer.ts'
import { serveReceivers } from './http-receivers.ts'

const receivers = serveReceivers()

describe('the pointer tester', () => {
  it.each([
    ['$wallet.example:8443/alice', /port/i],
    ['$wallet.example/alice?x=1', /query/i],
    ['$bob@wallet.example/alice', /user/i],
    ['$wallet.example/al ice', /space/i],
    ['$wället.example/alice', /ASCII/i],
    ['wallet.example/alice', /./],
  ])('refuses %j at the syntax step', async (input, message) => {
    const r = await checkPointer(input)
    expect(r.ok).toBe(false)
    expect(r.failed).toBe('syntax')
    expect(r.steps[0]).toMatchObject({ step: 'syntax', ok: false, detail: expect.stringMatching(message) as unknown })
    expect(r.steps.slice(1).every((s) => s.ok === null)).toBe(true)
  })

  it.each<[string, CheckStep, RegExp]>([
    ['/404', 'http', /404/],
    ['/500', 'http', /500/],
    ['/redirect-http', 'http', /not https/],
    ['/redirect-loop', 'http', /redirected more than/],
    ['/html', 'headers', /text\/html/],
    ['/plain-json', 'headers', /application\/json/],
    ['/bad-json', 'json', /not valid JSON/],
    ['/ten-mb', 'json', /larger than/],
    ['/no-destination', 'destination_account', /no destination_account/],
    ['/bad-destination', 'destination_account', /not a valid ILP address/],
    ['/no-secret', 'shared_secret', /no shared_secret/],
    ['/short-secret', 'shared_secret', /32 bytes/],
    ['/long-secret', 'shared_secret', /32 bytes/],
  ])('%s fails at %s', async (path, step, message) => {
    const r = await checkPointer(receivers.base + path)
    expect(r.failed).toBe(step)
    const failed = r.steps.find((s) => s.step === step)
    expect(failed?.detail).toMatch(message)
    expect(failed?.fix?.length ?? 0).toBeGreaterThan(20)
    // Every step before it passed, every step after it was not reached.
    const at = r.steps.findIndex((s) => s.step === step)
    expect(r.steps.slice(0, at).every((s) => s.ok === true)).toBe(true)
    expect(r.steps.slice(at + 1).every((s) => s.ok === null)).toBe(true)
  })

  // Real time: a real HTTP server holds the socket open, and fake timers cannot drive a socket.
  it('times out an answer that never comes, at the http step', async () => {
    const r = await checkPointer(`${receivers.base}/hang`, { timeoutMs: 300 })
    expect(r.failed).toBe('http')
    expect(r.steps.find((s) => s.step === 'http')?.detail).toMatch(/within 0.3 s/)
  })

  it.each(['/good', '/rafiki', '/redirect-chain'])('%s passes every SPSP step; without an uplink the payment steps are skipped', async (path) => {
    const r = await checkPointer(receivers.base + path, { skipReason: 'no uplink' })
    expect(r.ok).toBe(true)
    expect(r.steps.map((s) => s.ok)).toEqual([true, true, true, true, true, true, true, null, null])
    expect(r.steps.find((s) => s.step === 'destination_account')?.detail).toBe('test.trickle.receiver.abc.def')
    if (path === '/redirect-chain') expect(r.steps.find((s) => s.step === 'http')?.detail).toMatch(/redirected to .*\/good/)
  })

  it('reports the payment, with the rate seen, or the stage that failed', async () => {
    const url = `${receivers.base}/good`
    const paid = await checkPointer(url, {
      pay: async (_a, connected) => {
        connected()
        return { ok: true, value: { sent: 100_000n, delivered: 100n, source: { code: 'USD', scale: 9 }, destination: { code: 'USD', scale: 6 } } }
      },
    })
    expect(paid.ok).toBe(true)
    expect(paid.payment).toEqual({ sent: { value: '100000', code: 'USD', scale: 9 }, delivered: { value: '100', code: 'USD', scale: 6 }, rate: '1.00000' })
    const noRoute = await checkPointer(url, { pay: async () => ({ ok: false, error: { stage: 'stream', message: 'F02 unreachable' } }) })
    expect([noRoute.failed, noRoute.steps.find((s) => s.step === 'payment')?.ok]).toEqual(['stream', null])
    const refused = await checkPointer(url, { pay: async (_a, c) => { c(); return { ok: false, error: { stage: 'payment', message: 'rejected' } } } })
    expect(refused.failed).toBe('payment')
    expect(refused.steps.find((s) => s.step === 'stream')?.ok).toBe(true)
  })

  it('writes a report a person can send to their wallet\'s support', async () => {
    const r = await checkPointer(`${receivers.base}/short-secret`)
    const text = reportText(r)
    expect(text).toMatch(/not payable \(fails at shared_secret\)/)
    expect(text).toMatch(/FAIL shared_secret/)
    expect(text).toMatch(/fix: shared_secret must be base64/)
  })
})

describe('npm run check-pointer', () => {
  const run = async (...argv: string[]) => {
    const lines: string[] = []
    const code = await main(argv, (l) => lines.push(l))
    return { code, out: lines.join('\n') }
  }

  it('exits 0 for a payable pointer (SPSP steps only without --uplink)', async () => {
    const { code, out } = await run(`${receivers.base}/good`)
    expect(code).toBe(0)
    expect(out).toMatch(/result: payable/)
    expect(out).toMatch(/Skipped: no --uplink given/)
  })

  it.each([['/404', 'http'], ['/html', 'headers'], ['/long-secret', 'shared_secret'], ['/bad-destination', 'destination_account']])('exits 1 at the first failure: %s', async (path, step) => {
    const { code, out } = await run(receivers.base + path)
    expect(code).toBe(1)
    expect(out).toMatch(new RegExp(`fails at ${step}`))
  })

  it('prints JSON on request', async () => {
    const { code, out } = await run(`${receivers.base}/no-secret`, '--json')
    expect(code).toBe(1)
    expect(JSON.parse(out)).toMatchObject({ ok: false, failed: 'shared_secret' })
  })

  it.each([[[]], [['a', 'b']], [['$x.example', '--uplink', 'btp+ws://:t@wallet.example']], [['$x.example', '--amount', 'lots']], [['$x.example', '--bogus']]])('exits 2 on a usage error: %j', async (argv) => {
    expect((await run(...argv)).code).toBe(2)
  })
})
