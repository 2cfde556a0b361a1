/** A translated sentence with elements in it (a host in bold, a pointer as code): never pieces glued together. */
import type { ComponentChild } from 'preact'
import { t, type MessageKey } from '../shared/i18n.ts'

const MARK = '\uE000'

/** The message `key` with `$1`… replaced by `nodes` (strings or elements), as one sentence. */
export function slots(key: MessageKey, ...nodes: ComponentChild[]): ComponentChild[] {
  const text = t(key, ...nodes.map((_, i) => `${MARK}${i}${MARK}`))
  return text.split(new RegExp(`${MARK}(\\d)${MARK}`)).map((part, i) => (i % 2 === 1 ? nodes[Number(part)] : part))
}
