/**
 * `npm run check-pointer -- '$wallet.example/alice' [--uplink btp+wss://… | https://…#token=…] [--amount 0.0001] [--json]`
 *
 * The pointer tester for site owners' CI: the same checks as the extension's tester page, from the
 * extension's own modules. Without --uplink it stops after the SPSP answer; with one it opens a STREAM
 * connection through that uplink and sends a small test payment. Prints each step; exits 0 when the
 * pointer is payable, 1 at the first failure, 2 on a usage error.
 */
import './node-stream-fix.ts'
import { parseArgs } from 'node:util'
import BtpPlugin from 'ilp-plugin-btp'
import { HttpLink } from '../background/payment/http-link.ts'
import { parseDecimal } from '../shared/money.ts'
import { validateUplink } from '../shared/settings.ts'
import { checkPointer, type CheckDeps } from '../background/site-owner/pointer-check.ts'
import { reportText } from '../shared/check-report.ts'
import { sendTestPayment } from '../background/site-owner/test-payment.ts'
import { readLocales } from '../../build/locales.ts'
import { useMessages } from '../shared/i18n.ts'

// Node has no browser i18n: the CLI speaks English, from the same messages the extension ships.
useMessages(readLocales().get('en') ?? null)

const UPLINK_TIMEOUT_MS = 10_000

const USAGE = 'usage: npm run check-pointer -- <payment pointer or SPSP URL> [--uplink <btp+wss://… or https://…#token=…>] [--amount <decimal, default 0.0001>] [--json] [--timeout <ms>]'

export async function main(argv: string[], out: (line: string) => void = console.log): Promise<number> {
  let args
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { uplink: { type: 'string' }, amount: { type: 'string', default: '0.0001' }, json: { type: 'boolean', default: false }, timeout: { type: 'string' } },
    })
  } catch (e) {
    out(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`)
    return 2
  }
  const [input, ...extra] = args.positionals
  if (input === undefined || extra.length > 0) {
    out(USAGE)
    return 2
  }
  const amountText = args.values.amount
  if (parseDecimal(amountText, 0) === null) {
    out(`--amount must be a decimal such as 0.0001.\n${USAGE}`)
    return 2
  }
  const timeoutMs = args.values.timeout === undefined ? undefined : Number(args.values.timeout)
  if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs <= 0)) {
    out(`--timeout must be a whole number of milliseconds.\n${USAGE}`)
    return 2
  }

  const deps: CheckDeps = { ...(timeoutMs === undefined ? {} : { timeoutMs }), skipReason: 'Skipped: no --uplink given.' }
  const uplinkText = args.values.uplink
  if (uplinkText !== undefined) {
    const uplink = validateUplink(uplinkText)
    if (!uplink.ok) {
      out(`--uplink: ${uplink.error}`)
      return 2
    }
    deps.pay = async (answer, onConnected) => {
      const plugin = uplink.value.kind === 'btp' ? new BtpPlugin({ server: uplink.value.url }) : new HttpLink(uplink.value, { fetch })
      const connectMs = timeoutMs ?? UPLINK_TIMEOUT_MS
      let timer: ReturnType<typeof setTimeout> | undefined
      try {
        // ilp-plugin-btp retries a refused socket for ever: give up after a while.
        await Promise.race([
          plugin.connect(),
          new Promise((_, reject) => { timer = setTimeout(() => { reject(new Error(`no answer within ${connectMs / 1000} s`)) }, connectMs) }),
        ])
      } catch (e) {
        await plugin.disconnect().catch(() => undefined)
        return { ok: false, error: { stage: 'stream', message: `Could not connect to the uplink ${uplink.value.host}: ${e instanceof Error ? e.message : String(e)}` } }
      } finally {
        clearTimeout(timer)
      }
      try {
        return await sendTestPayment({
          plugin,
          answer,
          amount: (asset) => parseDecimal(amountText, asset.scale) ?? 'The amount cannot be written in the uplink\'s asset.',
          onConnected,
          ...(timeoutMs === undefined ? {} : { timeoutMs }),
        })
      } finally {
        await plugin.disconnect().catch(() => undefined)
      }
    }
  }
  const report = await checkPointer(input, deps)
  out(args.values.json ? JSON.stringify(report, null, 2) : reportText(report))
  return report.ok ? 0 : 1
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  // Exit as soon as the report is out: the ILP libraries keep timers (reconnects, idle checks) alive.
  main(process.argv.slice(2)).then((code) => { process.exit(code) }, (e: unknown) => {
    console.error(e)
    process.exit(2)
  })
}
