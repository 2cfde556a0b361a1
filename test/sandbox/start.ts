/**
 * `npm start`: the whole sandbox. A local ILP network, and Chromium with the freshly built extension
 * already pointed at the sandbox uplink (BTP; `-- --uplink http` for the connector's ILP-over-HTTP
 * account), on a monetized demo page. With a display it opens a window;
 * without one it runs headless and prints what the receiver got, once a second. Ctrl-C stops it all.
 */
import { launchWithExtension } from './browser.ts'
import { parseSandboxArgs, printTotals, runUntilStopped } from './cli.ts'
import { startNetwork } from './network.ts'

const args = parseSandboxArgs(process.argv.slice(2))
const headless = args.headless ?? (process.env.DISPLAY === undefined || process.env.DISPLAY === '')
const net = await startNetwork({ walletPort: args.walletPort, httpPort: args.httpPort, spspPort: args.spspPort, sitePort: args.sitePort })
const browser = await launchWithExtension({ headless })

// Point the extension at the sandbox uplink through its own options page, as a user would.
const options = await browser.openExtensionPage('src/options/index.html')
if (args.uplink === 'http') {
  await options.getByLabel('Uplink URL').fill(net.httpUplink.endpoint)
  await options.getByLabel('Bearer token').fill(net.httpUplink.token)
} else {
  await options.getByLabel('Uplink URL').fill(net.uplinkUrl)
}
await options.getByRole('button', { name: 'Save' }).click()
await options.getByLabel('Uplink status').filter({ hasText: 'Connected' }).waitFor({ timeout: 15_000 })

const demo = await browser.context.newPage()
await demo.goto(`${net.site.base}/meta`)
await demo.bringToFront()

console.log(`Trickle sandbox is running (${headless ? 'headless' : 'in a window'}).
  Demo site:   ${net.site.base}/  (the monetized page ${net.site.base}/meta is open)
  Uplink:      ${args.uplink === 'http' ? `${net.httpUplink.endpoint} (ILP over HTTP, token ${net.httpUplink.token})` : net.uplinkUrl}
${headless ? 'Payments to the demo receivers, as the receiver counts them:' : 'Switch tabs, open the other demo pages, click the Trickle icon to see the popup.'}
Press Ctrl-C to stop.`)

runUntilStopped({
  report: () => printTotals(net),
  stop: async () => {
    await browser.close()
    await net.stop()
  },
  seconds: args.seconds,
  stoppedMessage: 'Sandbox stopped.',
})
