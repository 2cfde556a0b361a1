// Node's `stream`, as the worker uses it: ilp-protocol-stream's DataAndMoneyStream extends `Duplex`, and
// nothing else in the worker requires `stream`. `trickle-readable-duplex` (vite.config.ts) is the
// Duplex of the readable-stream that stream-browserify itself requires, so the class is exactly the one
// stream-browserify gave; stream-browserify also brought Transform, PassThrough and pipeline, which
// nothing calls (4 KB). CommonJS, like the other shims, for `require('stream')`.
'use strict'
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS shim of a CommonJS module
module.exports = { Duplex: require('trickle-readable-duplex') }
