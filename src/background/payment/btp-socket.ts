/**
 * ilp-plugin-btp's own browser WebSocket wrapper, with a hook on socket errors. The plugin's
 * reconnector retries a refused socket silently, so without this a dead uplink would only show up
 * when the connect timeout fires; with it, the user is told at once.
 */
import type { IlpPluginBtpConstructorModules } from 'ilp-plugin-btp'
import BrowserSocket from 'ilp-plugin-btp/build/browser/ws.js'

type SocketModule = NonNullable<IlpPluginBtpConstructorModules['WebSocket']>

export function watchedSocket(onError: () => void): SocketModule {
  class WatchedSocket extends BrowserSocket {
    constructor(url: string) {
      super(url)
      this.on('error', onError)
    }
  }
  // The plugin types its module as the Node `ws` class; in the browser build it is this wrapper.
  return WatchedSocket as unknown as SocketModule
}
