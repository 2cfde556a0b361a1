// eventemitter2, as ilp-plugin-btp uses it: its plugin and its WebSocket reconnector extend
// EventEmitter2 without options (no wildcards, no onAny, no emitAsync), and call only on, once, emit,
// removeListener and removeAllListeners, which Node's EventEmitter (the `events` package, already in
// the worker for ilp-protocol-stream) has with the same behaviour. 9.7 KB less. CommonJS, like the
// other shims, for `require('eventemitter2')`.
'use strict'
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS shim of a CommonJS module
const { EventEmitter } = require('events')
module.exports = { EventEmitter2: EventEmitter, EventEmitter }
