// The `debug` package, as the ILP libraries use it (ilp-logger, ilp-plugin-btp): loggers that are
// always off. Nothing in an extension can turn them on (debug reads localStorage, which a service
// worker has not), so the real package was 10 KB of code that never printed; Trickle logs through its
// own logger (src/shared/log.ts). CommonJS, like the assert shim, for `require('debug')`.
'use strict'
function createDebug(namespace) {
  const log = function () {}
  log.namespace = namespace
  log.enabled = false
  log.log = log
  log.extend = function (suffix, delimiter) { return createDebug(namespace + (delimiter === undefined ? ':' : delimiter) + suffix) }
  log.destroy = function () { return true }
  return log
}
createDebug.formatters = {}
createDebug.enable = function () {}
createDebug.disable = function () { return '' }
createDebug.enabled = function () { return false }
createDebug.default = createDebug
module.exports = createDebug
