// Receivers and uplinks that fail, end to end: none can cause more than a few packets a second, a
// refusing receiver is stopped with a reason, a reply lost after the connector executed the packet
// counts as spent (and the history ends up equal to what the receiver got), and payment resumes
// within 5 s of a connector restart. Every amount is read from the sandbox's own records.
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { LedgerFile } from '../../src/shared/ledger-file.ts'
import { sleep, startStack, waitFor, type Stack } from './stack.ts'

let stack: Stack
beforeAll(async () => { stack = await startStack({ uplinkProxy: true }) })
afterAll(async () => { await stack?.stop() })

async function open(name: string): Promise<Page> {
  const page = await stack.browser.context.newPage()
  await page.goto(stack.net.site.pageFor('link', name))
  return page
}

/** Prepares carrying money that reached the receiver, per second, over the busiest 5 s window. */
function peakRate(name: string): number {
  const at = stack.net.receiver.account(name).attempts.filter((a) => a.amount > 0n).map((a) => a.at)
  let peak = 0
  for (let i = 0; i < at.length; i++) {
    const inWindow = at.filter((t) => t >= (at[i] ?? 0) && t < (at[i] ?? 0) + 5000).length
    peak = Math.max(peak, inWindow / 5)
  }
  return peak
}

describe('receivers that refuse', () => {
  it.each([
    ['refuse-f99', /F99/],
    ['f02-unreachable', /F02/],
    ['garbage-replies', /could not be read/],
  ])('%s: a few packets at most, then stopped with the reason shown', async (name, reason) => {
    const page = await open(name)
    await sleep(15_000)
    const account = stack.net.receiver.account(name)
    const money = account.attempts.filter((a) => a.amount > 0n).length
    console.log(`${name}: ${money} money packets in 15 s, peak ${peakRate(name)}/s; received ${account.total}`)
    expect(peakRate(name)).toBeLessThanOrEqual(3)
    expect(money).toBeLessThanOrEqual(9) // three refused connections of at most three packets each
    const status = await stack.status(page)
    console.log(`${name} status: ${JSON.stringify(status)}`)
    expect(status).toMatchObject({ kind: 'monetized', phase: 'failed' })
    expect(JSON.stringify(status)).toMatch(reason)
    await page.close()
  })

  it('t04 forever: backs off, a few packets a second at most', async () => {
    const name = 't04-forever'
    const page = await open(name)
    await sleep(12_000)
    const money = stack.net.receiver.account(name).attempts.filter((a) => a.amount > 0n).length
    console.log(`${name}: ${money} money packets in 12 s, peak ${peakRate(name)}/s`)
    expect(peakRate(name)).toBeLessThanOrEqual(3)
    expect(money).toBeGreaterThan(0)
    await page.close()
  })

  it('a receiver that never answers (R00 at expiry): one packet waits, nothing piles up', async () => {
    const name = 'hang-forever'
    const page = await open(name)
    await sleep(10_000)
    const money = stack.net.receiver.account(name).attempts.filter((a) => a.amount > 0n).length
    console.log(`${name}: ${money} money packets in 10 s`)
    expect(money).toBeGreaterThan(0)
    expect(money).toBeLessThanOrEqual(2)
    await page.close()
  })

  it('a receiver that flips between accept and refuse is paid while it accepts, left alone while it refuses, and tried again on reload', async () => {
    const name = 'flipper'
    const account = stack.net.receiver.account(name)
    const page = await open(name)
    await waitFor('first payment', () => (account.total > 0n ? true : undefined))

    // Reloaded while still retrying, after two refused connections: the reload counts afresh (the
    // carried-on visit once gave up on the reloaded page at its next refusal).
    stack.net.receiver.setMode(name, 'refuse')
    // The second refusal waits 2 s before the third try (the first waits 1 s).
    await waitFor('two refused connections', async () => (/Trying again in 2 s/.test(JSON.stringify(await stack.status(page))) ? true : undefined), 20_000)
    stack.net.receiver.setMode(name, null)
    await page.reload()
    let before = account.total
    await waitFor('payment after a reload mid-retry', () => (account.total > before ? true : undefined), 15_000)

    // Given up on (three refused connections), then reloaded: a new visit tries again.
    stack.net.receiver.setMode(name, 'refuse')
    await waitFor('given up', async () => { const s = await stack.status(page); return s.kind === 'monetized' && s.phase === 'failed' ? true : undefined }, 30_000)
    expect(peakRate(name)).toBeLessThanOrEqual(3)
    const refusedTotal = account.total
    await sleep(2000)
    expect(account.total).toBe(refusedTotal) // given up: nothing more was sent
    stack.net.receiver.setMode(name, null)
    await page.reload()
    before = account.total
    await waitFor('payment after a reload of the given-up page', () => (account.total > before ? true : undefined), 10_000)
    await page.close()
  })

})

describe('the uplink', () => {
  it('a reply lost after the connector executed the packet is counted, never paid twice, and the history matches the receiver', async () => {
    const name = 'lost-reply'
    const account = stack.net.receiver.account(name)
    const page = await open(name)
    await waitFor('payments', () => (account.packets.length >= 2 ? true : undefined))
    const proxy = stack.net.proxy
    if (proxy === null) throw new Error('no proxy')
    const dropped = await proxy.dropNextReply()
    expect(dropped.amount).toBeGreaterThan(0n)
    const afterDrop = account.packets.length
    await waitFor('payment after the lost reply', () => (account.packets.length > afterDrop + 2 ? true : undefined), 10_000)
    const resumedAfter = (account.packets[afterDrop]?.at ?? Infinity) - dropped.droppedAt
    console.log(`lost reply: payment resumed ${resumedAfter} ms after the drop`)
    expect(resumedAfter).toBeLessThanOrEqual(5000)
    await page.close()
    await sleep(4000) // the visit settles after its connection closes
    const file = ({ rows: await stack.ledgerRows() }) satisfies Pick<LedgerFile, 'rows'>
    const rows = file.rows.filter((r) => r.receiver.endsWith(`/${name}`))
    const delivered = rows.reduce((s, r) => s + BigInt(r.delivered), 0n)
    const sent = rows.reduce((s, r) => s + BigInt(r.sent), 0n)
    const unconfirmed = rows.reduce((s, r) => s + BigInt(r.unconfirmed), 0n)
    // The dropped packet arrived: the reopened connection learnt so, and it moved to sent.
    expect(delivered).toBe(account.total)
    expect(unconfirmed).toBe(0n)
    expect(sent - account.total * 1000n).toBeGreaterThanOrEqual(0n)
    expect(sent - account.total * 1000n).toBeLessThan(1000n)
  })

  it('payment resumes within 5 s of a connector restart', async () => {
    const name = 'connector-restart'
    const account = stack.net.receiver.account(name)
    const page = await open(name)
    await waitFor('payments', () => (account.packets.length >= 2 ? true : undefined))
    const timing = await stack.net.restartConnector()
    await waitFor('payment after the restart', () => (account.packets.some((p) => p.at > timing.listeningAt) ? true : undefined), 15_000)
    const next = account.packets.find((p) => p.at > timing.listeningAt)
    const resumed = (next?.at ?? Infinity) - timing.listeningAt
    console.log(`connector restart: payment resumed ${resumed} ms after the connector was back`)
    expect(resumed).toBeLessThanOrEqual(5000)
    await page.close()
  })
})
