/**
 * A real local Interledger network for the sandbox, the end-to-end tests and the benchmarks:
 *
 *   browser extension --BTP--> ilp-connector (mini-accounts "wallet", USD scale 9)
 *                  \--ILP over HTTP--> (ilp-plugin-http "wallet-http", USD scale 9, a bearer token)
 *                                   |
 *                     mini-accounts "receiver" (USD scale 6) <--BTP-- STREAM receiver + SPSP endpoint
 *
 * plus a demo site. Everything listens on 127.0.0.1 and `stop()` tears it all down.
 *
 * For fault tests: receivers that misbehave by name (receiver.ts), `restartConnector()`, and with
 * `uplinkProxy: true` a fault proxy (fault-proxy.ts) between the extension and the wallet account.
 */
import { createRequire } from 'node:module'
import { Writable } from 'node:stream'
import type { createApp as CreateApp } from 'ilp-connector'
import { startFaultProxy, type FaultProxy } from './fault-proxy.ts'
import { httpPeerPlugin, type HttpPeerPlugin } from './http-peer.ts'
import { canBind, freePort } from './ports.ts'
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

/** How long a connector restart took, each instant in ms since the epoch. */
export interface RestartTiming {
  /** When restartConnector() was called, when the old connector was down, the new one listening. */
  startedAt: number
  stoppedAt: number
  listeningAt: number
  /** When the receiver's BTP client was connected to the new connector: receivers reachable again. */
  receiverAt: number
  /** receiverAt − startedAt. */
  receiverMs: number
}

export interface Network {
  /** What the user types into Trickle's options page (the fault proxy's address when there is one). */
  uplinkUrl: string
  /** The connector's wallet account itself, bypassing any proxy. */
  directUplinkUrl: string
  /**
   * The connector's ILP-over-HTTP account (RFC 0035, ilp-plugin-http on 127.0.0.1): the endpoint and
   * token the options page takes, and `text`, the same as Trickle stores it (pastes as one line).
   */
  httpUplink: { endpoint: string; token: string; text: string }
  receiver: Receiver
  site: Site
  /** The uplink fault proxy, when started with `uplinkProxy: true`. */
  proxy: FaultProxy | null
  /** Stops the connector only (the "dead connector" case), keeping the rest up. */
  stopConnector(): Promise<void>
  /**
   * Stops the connector (if it is up), waits `downMs` (default 0), and starts a new one with the same
   * accounts on the same ports; resolves once the receiver's BTP client has reconnected to it.
   */
  restartConnector(opts?: { downMs?: number }): Promise<RestartTiming>
  stop(): Promise<void>
}

export const SANDBOX_UPLINK_TOKEN = 'sandbox-wallet-token'
/** The HTTP account's static bearer token. */
export const SANDBOX_HTTP_TOKEN = 'sandbox-http-token'

export interface NetworkOptions {
  sitePort?: number
  spspPort?: number
  walletPort?: number
  /** The ILP-over-HTTP account's port (default: any free one). */
  httpPort?: number
  /** Puts a fault proxy between the uplink URL and the wallet account (true: on any free port). */
  uplinkProxy?: boolean | { port?: number }
}


export async function startNetwork(opts: NetworkOptions = {}): Promise<Network> {
  // A port of 0 (or none) means "any free port": the printed URLs must carry the real one.
  const pick = async (port: number | undefined): Promise<number> => (port === undefined || port === 0 ? freePort() : port)
  const walletPort = await pick(opts.walletPort)
  const httpPort = await pick(opts.httpPort)
  const receiverPort = await freePort()
  const spspPort = await pick(opts.spspPort)
  const sitePort = await pick(opts.sitePort)

  const config = {
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
  }
  // The same account as "wallet", reached over ILP over HTTP (test/sandbox/http-peer.ts: 127.0.0.1 only).
  const httpAccount = {
    relation: 'child', assetCode: 'USD', assetScale: 9, maxPacketAmount: '10000000',
    balance: { minimum: '-Infinity', maximum: '1000000000000', settleThreshold: '-Infinity' },
  }
  let httpPeer: HttpPeerPlugin | null = null
  const startConnector = async (waitForPortsMs: number): Promise<ReturnType<typeof createApp>> => {
    // mini-accounts' listen error is an unhandled 'error' event: make sure the ports are free first
    // (after a restart, waiting a moment for the old connector's to be released).
    const deadline = Date.now() + waitForPortsMs
    while (!(await canBind(walletPort) && await canBind(receiverPort) && await canBind(httpPort))) {
      if (Date.now() > deadline) throw new Error(`the connector's ports ${walletPort}, ${receiverPort} and ${httpPort} did not come free`)
      await new Promise((r) => setTimeout(r, 20))
    }
    // A fresh config object each time: the connector keeps (and may alter) the one it is given.
    // The HTTP account's plugin is an instance (a fresh one each start), which cannot be cloned.
    httpPeer = httpPeerPlugin({ port: httpPort, token: SANDBOX_HTTP_TOKEN })
    const accounts = { ...structuredClone(config.accounts), 'wallet-http': { ...structuredClone(httpAccount), plugin: httpPeer.plugin } }
    const app = createApp({ ...structuredClone(config), accounts })
    await app.listen()
    await httpPeer.listening()
    return app
  }
  let connector = await startConnector(0)
  let connectorUp = true

  const receiver = await startReceiver({
    btpUrl: `btp+ws://:receiver-token@127.0.0.1:${receiverPort}`,
    spspPort,
    assetCode: 'USD',
    assetScale: 6,
  })
  const site = await startSite({ port: sitePort, spspBase: receiver.spspBase })
  const proxyOpts = opts.uplinkProxy === true ? {} : opts.uplinkProxy === false ? undefined : opts.uplinkProxy
  const proxy = proxyOpts === undefined
    ? null
    : await startFaultProxy({ target: `ws://127.0.0.1:${walletPort}`, port: proxyOpts.port ?? await freePort() })
  const directUplinkUrl = `btp+ws://:${SANDBOX_UPLINK_TOKEN}@127.0.0.1:${walletPort}`

  const stopConnector = async (): Promise<void> => {
    if (!connectorUp) return
    connectorUp = false
    await connector.shutdown()
    // The browser keeps its HTTP connections open: without this, they would still reach the old server.
    httpPeer?.closeConnections()
  }

  const httpEndpoint = `http://127.0.0.1:${httpPort}/`
  return {
    uplinkUrl: proxy === null ? directUplinkUrl : `btp+ws://:${SANDBOX_UPLINK_TOKEN}@127.0.0.1:${proxy.port}`,
    directUplinkUrl,
    httpUplink: { endpoint: httpEndpoint, token: SANDBOX_HTTP_TOKEN, text: `${httpEndpoint}#token=${SANDBOX_HTTP_TOKEN}` },
    receiver,
    site,
    proxy,
    stopConnector,
    async restartConnector({ downMs = 0 } = {}) {
      const startedAt = Date.now()
      await stopConnector()
      const stoppedAt = Date.now()
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs))
      connector = await startConnector(5000)
      connectorUp = true
      const listeningAt = Date.now()
      // ilp-plugin-btp reconnects by itself (receiver.ts shortens its intervals); wait for it.
      const receiverAt = await receiver.whenConnected(stoppedAt)
      return { startedAt, stoppedAt, listeningAt, receiverAt, receiverMs: receiverAt - startedAt }
    },
    async stop() {
      await proxy?.stop()
      await site.stop()
      await receiver.stop()
      if (connectorUp) {
        connectorUp = false
        await connector.shutdown()
        httpPeer?.closeConnections()
      }
    },
  }
}
