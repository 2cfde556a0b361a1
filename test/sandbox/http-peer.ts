/**
 * The connector's side of an ILP-over-HTTP peer (RFC 0035): ilp-plugin-http's server, with a static
 * bearer token, listening on 127.0.0.1 only. The plugin itself calls `this._app.listen(port)` (every
 * interface), so the Koa app it makes in connect() is caught as it is assigned and its listen() given
 * the loopback host. Trickle's own client is src/background/payment/http-link.ts; ilp-plugin-http's
 * client (node-fetch) is not used.
 */
import { once } from 'node:events'
import { createRequire } from 'node:module'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type PluginHttpType from 'ilp-plugin-http'

const require = createRequire(import.meta.url)
const PluginHttp = require('ilp-plugin-http') as typeof PluginHttpType

export const HTTP_PEER_HOST = '127.0.0.1'

export interface HttpPeerPlugin {
  plugin: PluginHttpType
  /** The server of the last connect(), once it listens: its address says where it is bound. */
  listening(): Promise<AddressInfo>
  /** Drops the connections a browser keeps open (after disconnect(), so that the peer is really gone). */
  closeConnections(): void
}

interface KoaLike { listen(...args: unknown[]): Server }

/**
 * An ilp-plugin-http instance for a connector account (or a test's own data handler). `outgoing.url`
 * is required by the plugin; nothing listens there: a send-only client such as Trickle is never sent
 * packets (its STREAM address is under no account, see fresh-address.ts).
 */
export function httpPeerPlugin(opts: { port: number; token: string }): HttpPeerPlugin {
  const plugin = new PluginHttp({
    incoming: { port: opts.port, staticToken: opts.token },
    outgoing: { url: `http://${HTTP_PEER_HOST}:9/unused`, staticToken: 'unused' },
  })
  let server: Server | null = null
  let app: KoaLike | undefined
  Object.defineProperty(plugin, '_app', {
    configurable: true,
    get: () => app,
    set: (value: KoaLike) => {
      const listen = value.listen.bind(value)
      value.listen = (port: unknown) => (server = listen(port, HTTP_PEER_HOST))
      app = value
    },
  })
  return {
    plugin,
    async listening() {
      if (server === null) throw new Error('the HTTP peer has not been connected')
      if (!server.listening) await once(server, 'listening')
      return server.address() as AddressInfo
    },
    closeConnections() { server?.closeAllConnections() },
  }
}
