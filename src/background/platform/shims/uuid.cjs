// uuid, as ilp-protocol-stream calls it: `uuid.v4()` with no arguments, for a connection id when it is
// given none. The browser's own crypto.randomUUID() (Chrome 92, Firefox 95; an extension's worker is
// a secure context) is the same random v4; the package also brought v1. CommonJS, for `require('uuid')`.
'use strict'
exports.v4 = function v4() { return globalThis.crypto.randomUUID() }
