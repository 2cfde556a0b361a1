/** Shared bits of the sandbox commands: arguments and the once-a-second receiver report. */
import { toDecimalString } from '../../src/shared/money.ts'
import type { Network } from './network.ts'

export interface SandboxArgs {
  headless: boolean | null
  seconds: number | null
  /** Which of the connector's accounts the sandbox's browser uses: BTP (the default) or ILP over HTTP. */
  uplink: 'btp' | 'http'
  walletPort: number
  httpPort: number
  spspPort: number
  sitePort: number
}

const USAGE = `options: --headless | --headed   force a mode (default: a window when $DISPLAY is set)
         --seconds N             stop by itself after N seconds
         --uplink btp | http     the browser pays over BTP (default) or ILP over HTTP (npm start only)
         --wallet-port N --http-port N --spsp-port N --site-port N   (defaults 7768, 7772, 7770, 7771)`

export function parseSandboxArgs(argv: string[]): SandboxArgs {
  const args: SandboxArgs = { headless: null, seconds: null, uplink: 'btp', walletPort: 7768, httpPort: 7772, spspPort: 7770, sitePort: 7771 }
  const num = (flag: string, v: string | undefined): number => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${flag} needs a whole number\n${USAGE}`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--headless') args.headless = true
    else if (a === '--headed') args.headless = false
    else if (a === '--seconds') args.seconds = num(a, argv[++i])
    else if (a === '--uplink') {
      const kind = argv[++i]
      if (kind !== 'btp' && kind !== 'http') throw new Error(`--uplink takes btp or http\n${USAGE}`)
      args.uplink = kind
    } else if (a === '--wallet-port') args.walletPort = num(a, argv[++i])
    else if (a === '--http-port') args.httpPort = num(a, argv[++i])
    else if (a === '--spsp-port') args.spspPort = num(a, argv[++i])
    else if (a === '--site-port') args.sitePort = num(a, argv[++i])
    else throw new Error(`unknown option ${a ?? ''}\n${USAGE}`)
  }
  return args
}

/** One line a second: what each demo receiver has got, read from the receiver itself. */
export function printTotals(net: Network, names: readonly string[] = ['alice', 'bob']): void {
  const { assetCode, assetScale } = net.receiver
  const parts = names.map((n) => {
    const a = net.receiver.account(n)
    return `${n}: ${toDecimalString(a.total, assetScale)} ${assetCode} in ${a.packets.length} packets`
  })
  console.log(`[${new Date().toISOString().slice(11, 19)}] received  ${parts.join('  |  ')}`)
}

/**
 * Prints `report()` once a second until Ctrl-C, SIGTERM or `seconds` elapse, then runs `stop()`
 * once and exits 0 (1 if stopping failed).
 */
export function runUntilStopped(opts: { report: () => void; stop: () => Promise<void>; seconds: number | null; stoppedMessage: string }): void {
  const timer = setInterval(opts.report, 1000)
  let stopping = false
  const stop = async (): Promise<void> => {
    if (stopping) return
    stopping = true
    clearInterval(timer)
    try {
      await opts.stop()
      console.log(opts.stoppedMessage)
      process.exit(0)
    } catch (e) {
      console.error('Could not stop cleanly:', e)
      process.exit(1)
    }
  }
  process.on('SIGINT', () => { void stop() })
  process.on('SIGTERM', () => { void stop() })
  if (opts.seconds !== null) setTimeout(() => { void stop() }, opts.seconds * 1000)
}
