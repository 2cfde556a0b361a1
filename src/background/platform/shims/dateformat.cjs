// dateformat, as btp-packet calls it: one mask, "UTC:yyyymmddHHMMss.l'Z'" (a BTP error's triggeredAt,
// ASN.1 GeneralizedTime), given a Date or an ISO string. That mask is toISOString without its
// separators (test/unit/library-shims.test.ts compares the two); the real package is 3 KB of masks and
// i18n. Any other mask throws rather than formatting something else. CommonJS, for `require('dateformat')`.
'use strict'
const MASK = "UTC:yyyymmddHHMMss.l'Z'"
function dateFormat(date, mask) {
  if (mask !== MASK) throw new Error(`Trickle's dateformat formats only ${MASK}, not ${String(mask)}`)
  const d = date instanceof Date ? date : new Date(date || Date.now())
  if (isNaN(d.getTime())) throw new TypeError('Invalid date')
  return d.toISOString().replace(/[-T:]/g, '')
}
module.exports = dateFormat
