/**
 * `npm run network`: the sandbox network alone, for loading Trickle into your own browser.
 * Prints both uplinks (BTP, and ILP over HTTP) to paste into Trickle's options and the demo site's
 * address; Ctrl-C stops it.
 */
import { startNetwork } from './network.ts'
import { parseSandboxArgs, printTotals, runUntilStopped } from './cli.ts'

const args = parseSandboxArgs(process.argv.slice(2))
const net = await startNetwork({ walletPort: args.walletPort, httpPort: args.httpPort, spspPort: args.spspPort, sitePort: args.sitePort })
console.log(`Trickle sandbox network is up. Paste either uplink into Trickle's options:
  BTP uplink (Uplink URL):               ${net.uplinkUrl}
  ILP-over-HTTP uplink (Uplink URL):     ${net.httpUplink.endpoint}
                       (Bearer token):   ${net.httpUplink.token}
       (or the same as one line):        ${net.httpUplink.text}
  Demo site:                             ${net.site.base}/
  SPSP receiver:                         ${net.receiver.spspBase}/<name>
Press Ctrl-C to stop.`)
runUntilStopped({ report: () => printTotals(net), stop: () => net.stop(), seconds: args.seconds, stoppedMessage: 'Sandbox network stopped.' })
