import { crx } from '@crxjs/vite-plugin'
import preact from '@preact/preset-vite'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'
import manifest from './manifest.json' with { type: 'json' }

/**
 * The browser builds of ilp-protocol-stream and ilp-plugin-btp start with `const { crypto } = window`;
 * a service worker has no `window`. Read it from globalThis instead (platform-notes.md).
 */
function windowCryptoToGlobalThis(): Plugin {
  const files = /(ilp-protocol-stream[\\/]dist[\\/]src[\\/]util[\\/]crypto-browser|ilp-plugin-btp[\\/]build[\\/]browser[\\/]crypto)\.js$/
  return {
    name: 'trickle:window-crypto',
    enforce: 'pre',
    transform(code, id) {
      if (!files.test(id)) return null
      const out = code.replace(/const \{ crypto \} = window;/, 'const { crypto } = globalThis;')
      if (out === code) this.error(`expected "const { crypto } = window;" in ${id}; did the library change?`)
      return { code: out, map: null }
    },
  }
}

const shim = (path: string): string => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  plugins: [windowCryptoToGlobalThis(), preact(), crx({ manifest })],
  resolve: {
    // Node built-ins the ILP libraries require, mapped to browser packages. `crypto` is deliberately
    // not aliased: the libraries' own `browser` fields map it to Web Crypto.
    alias: {
      stream: 'stream-browserify',
      events: 'events',
      buffer: 'buffer',
      assert: shim('./src/background/shims/assert.cjs'),
    },
  },
  build: {
    target: 'es2022',
    sourcemap: true,
    emptyOutDir: true,
    outDir: 'dist',
    // Extension pages the manifest does not name.
    rollupOptions: { input: { tester: 'src/tester/index.html', events: 'src/events/index.html' } },
  },
})
