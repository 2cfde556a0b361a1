// Two parts of readable-stream's Readable that the worker never reaches: the StringDecoder (only for a
// stream given an encoding, or setEncoding(); ilp-protocol-stream gives none and Trickle reads no
// stream's data as text) and the async iterator (`for await` over a stream; nothing does that). Readable
// requires both lazily, from inside those paths; vite.config.ts points those two requires here (5.7 KB
// less). Reaching either throws, loudly, rather than doing something else. CommonJS, for `require()`.
'use strict'
function unreached() {
  throw new Error("Trickle's build left out readable-stream's async iterator (vite.config.ts)")
}
unreached.StringDecoder = function StringDecoder() {
  throw new Error("Trickle's build left out readable-stream's StringDecoder (vite.config.ts)")
}
module.exports = unreached
