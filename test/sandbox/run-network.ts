/**
 * `npm run network`: the sandbox network alone, for loading Trickle into your own browser.
 * Prints the uplink URL to paste into Trickle's options and the demo site's address; Ctrl-C stops it.
 */
import { startNetwork } from './network.ts'
import { parseSandboxArgs, printTotals, runUntilStopped } from './cli.ts'

const args = parseSandboxArgs(process.argv.slice(2))
const net = await startNetwork({ walletPort: args.walletPort, spspPort: args.spspPort, sitePort: args.sitePort })
console.log(`Trickle sandbox network is up.
  Uplink (paste into Trickle's options): ${net.uplinkUrl}
  Demo site:                             ${net.site.base}/
  SPSP receiver:                         ${net.receiver.spspBase}/<name>
Press Ctrl-C to stop.`)
runUntilStopped({ report: () => printTotals(net), stop: () => net.stop(), seconds: args.seconds, stoppedMessage: 'Sandbox network stopped.' })
