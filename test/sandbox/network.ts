/**
 * A real local Interledger network for the sandbox, the end-to-end tests and the benchmarks:
 *
 *   browser extension --BTP--> ilp-connector (mini-accounts "wallet", USD scale 9)
 *                                   |
 *                     mini-accounts "receiver" (USD scale 6) <--BTP-- STREAM receiver + SPSP endpoint
 *
 * plus a demo site. Everything listens on 127.0.0.1 and `stop()` tears it all down.
 */
import { createRequire } from 'node:module'
import { Writable } from 'node:stream'
import type { createApp as CreateApp } from 'ilp-connector'
import { freePort } from './ports.ts'
import { startReceiver, type Receiver } from './receiver.ts'
import { startSite, type Site } from './site.ts'

// ilp-connector's index starts a connector of its own when `module.parent` is unset, which is always
// the case under ESM import; its app module has no such side effect.
const require = createRequire(import.meta.url)
const createApp = (require('ilp-connector/dist/app.js') as { default: typeof CreateApp }).default
const connectorLog = require('ilp-connector/dist/common/log.js') as { setOutputStream(s: Writable): void }

/** The connector logs at info level to stdout; keep its output out of test and sandbox output unless asked. */
export function setConnectorLog(stream: Writable | 'discard'): void {
  connectorLog.setOutputStream(stream === 'discard' ? new Writable({ write(_chunk, _enc, done) { done() } }) : stream)
}
setConnectorLog(process.env.TRICKLE_CONNECTOR_LOG === '1' ? process.stderr : 'discard')

export interface Network {
  /** What the user types into Trickle's options page. */
  uplinkUrl: string
  receiver: Receiver
  site: Site
  /** Stops the connector only (the "dead connector" case), keeping the rest up. */
  stopConnector(): Promise<void>
  stop(): Promise<void>
}

export const SANDBOX_UPLINK_TOKEN = 'sandbox-wallet-token'

export async function startNetwork(opts: { sitePort?: number; spspPort?: number; walletPort?: number } = {}): Promise<Network> {
  // A port of 0 (or none) means "any free port": the printed URLs must carry the real one.
  const pick = async (port: number | undefined): Promise<number> => (port === undefined || port === 0 ? freePort() : port)
  const walletPort = await pick(opts.walletPort)
  const receiverPort = await freePort()
  const spspPort = await pick(opts.spspPort)
  const sitePort = await pick(opts.sitePort)

  const connector = createApp({
    ilpAddress: 'test.trickle',
    env: 'test',
    backend: 'one-to-one',
    spread: 0,
    store: 'memory',
    accounts: {
      wallet: {
        relation: 'child',
        plugin: 'ilp-plugin-mini-accounts',
        assetCode: 'USD',
        assetScale: 9,
        // One cent; a packet larger than this gets F08 and STREAM shrinks its packets.
        maxPacketAmount: '10000000',
        // Nothing settles in the sandbox; 1000 USD of credit is far more than any run sends.
        balance: { minimum: '-Infinity', maximum: '1000000000000', settleThreshold: '-Infinity' },
        options: {
          wsOpts: { host: '127.0.0.1', port: walletPort },
          // Browsers always send an Origin header; mini-accounts drops sockets whose origin is not listed.
          allowedOrigins: ['^chrome-extension://', '^moz-extension://'],
        },
      },
      receiver: {
        relation: 'child',
        plugin: 'ilp-plugin-mini-accounts',
        assetCode: 'USD',
        assetScale: 6,
        options: { wsOpts: { host: '127.0.0.1', port: receiverPort } },
      },
    },
  })
  await connector.listen()
  let connectorUp = true

  const receiver = await startReceiver({
    btpUrl: `btp+ws://:receiver-token@127.0.0.1:${receiverPort}`,
    spspPort,
    assetCode: 'USD',
    assetScale: 6,
  })
  const site = await startSite({ port: sitePort, spspBase: receiver.spspBase })

  return {
    uplinkUrl: `btp+ws://:${SANDBOX_UPLINK_TOKEN}@127.0.0.1:${walletPort}`,
    receiver,
    site,
    async stopConnector() {
      if (!connectorUp) return
      connectorUp = false
      await connector.shutdown()
    },
    async stop() {
      await site.stop()
      await receiver.stop()
      if (connectorUp) {
        connectorUp = false
        await connector.shutdown()
      }
    },
  }
}
