/**
 * ilp-protocol-stream 2.7.1 assigns `this.closed`, a getter-only property of Readable since Node 18.
 * Give its stream class a writable accessor of its own (docs/PLATFORM.md, "ILP in Node"). Imported
 * for its effect by Node programs that use STREAM: the command line and the sandbox's receiver.
 */
import { DataAndMoneyStream } from 'ilp-protocol-stream/dist/src/stream.js'

const closedFlag = new WeakMap<object, boolean>()
if (Object.getOwnPropertyDescriptor(DataAndMoneyStream.prototype, 'closed') === undefined) {
  Object.defineProperty(DataAndMoneyStream.prototype, 'closed', {
    configurable: true,
    get(this: object) { return closedFlag.get(this) ?? false },
    set(this: object, value: boolean) { closedFlag.set(this, value) },
  })
}
