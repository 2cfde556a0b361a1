// The subset of Node's `assert` that ilp-packet, ilp-protocol-stream and ilp-plugin-btp call
// (assert(), assert.strictEqual). CommonJS on purpose: an ESM shim reaches `require('assert')` as a
// namespace object, and `assert.strictEqual` is then undefined (docs/PLATFORM.md). The npm `assert`
// package would pull in `util` and four more packages for these few lines.
'use strict'
function AssertionError(message) {
  const error = new Error(message || 'Assertion failed')
  error.name = 'AssertionError'
  return error
}
function assert(value, message) {
  if (!value) throw AssertionError(message)
}
assert.ok = assert
assert.strictEqual = function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) throw AssertionError(message || `${String(actual)} !== ${String(expected)}`)
}
assert.equal = assert.strictEqual
assert.AssertionError = AssertionError
module.exports = assert
