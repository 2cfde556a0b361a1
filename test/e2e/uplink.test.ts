// The uplink as the user meets it: a dead one is reported with its reason and pays nothing; fixing
// it starts payment on the open page without a reload; a connector dying mid-stream is survived.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { freePort } from '../sandbox/ports.ts'
import { startStack, waitFor, type Stack } from './stack.ts'

let stack: Stack
beforeAll(async () => { stack = await startStack() })
afterAll(async () => { await stack?.stop() })

describe('the uplink', () => {
  it('a dead uplink is reported in the options and the popup; fixing it starts payment', async () => {
    const deadPort = await freePort()
    await stack.configure({ uplinkUrl: `btp+ws://:sandbox-wallet-token@127.0.0.1:${deadPort}` })
    await stack.control.getByLabel('Uplink status').filter({ hasText: 'Uplink failed' }).waitFor({ timeout: 20_000 })
    expect(await stack.control.getByLabel('Uplink status').innerText()).toMatch(/Could not connect to the uplink/)

    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.pageFor('meta', 'dead-uplink'))
    const status = await waitFor('a retrying visit', async () => {
      const s = await stack.status(page)
      return s.kind === 'monetized' && s.phase === 'retrying' ? s : undefined
    }, 20_000)
    expect(status.kind === 'monetized' ? status.reason : '').toMatch(/uplink/i)
    expect(stack.net.receiver.account('dead-uplink').total).toBe(0n)
    expect(await stack.popupText(page)).toMatch(/Not paying right now[\s\S]*uplink/i)

    await stack.configure({ uplinkUrl: stack.net.uplinkUrl })
    await page.bringToFront()
    await waitFor('payment after the fix', () => (stack.net.receiver.account('dead-uplink').total > 0n ? true : undefined), 15_000)
    await page.close()
  })

  it('the stored uplink secret never reaches extension pages', async () => {
    const reply = await stack.control.evaluate(async () =>
      chrome.runtime.sendMessage<unknown, unknown>({ to: 'trickle-worker', type: 'get-settings', input: null }))
    expect(JSON.stringify(reply)).not.toContain('sandbox-wallet-token')
    expect(JSON.stringify(reply)).toContain('•••')
  })

  it('an open popup is told as money moves (it does not poll)', async () => {
    const page = await stack.browser.context.newPage()
    await page.goto(stack.net.site.pageFor('link', 'told-popup'))
    await waitFor('payment', () => (stack.net.receiver.account('told-popup').packets.length > 0 ? true : undefined))
    const popup = await stack.openPopup(page)
    const sent = async (): Promise<string> => (await popup.locator('main').innerText()).match(/Sent this visit\s*(\S+)/)?.[1] ?? ''
    const first = await waitFor('the popup to show what was sent', async () => { const v = await sent(); return v === '' ? undefined : v })
    const later = await waitFor('the popup to show more', async () => { const v = await sent(); return v !== first ? v : undefined }, 5000)
    console.log(`popup: sent ${first}, then ${later}`)
    await popup.close()
    await page.close()
  })

})
