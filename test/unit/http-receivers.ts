// The real HTTP receivers (test/fixtures/receivers.ts) for the tests of the file or block that calls
// serveReceivers(): started before its first test, stopped after its last.
import { afterAll, beforeAll } from 'vitest'
import { startReceivers, type Receivers } from '../fixtures/receivers.ts'

export function serveReceivers(): { readonly base: string } {
  let receivers: Receivers | undefined
  beforeAll(async () => { receivers = await startReceivers() })
  afterAll(async () => { await receivers?.stop() })
  return {
    get base(): string {
      if (receivers === undefined) throw new Error('The receivers start before the first test: ask for base inside a test.')
      return receivers.base
    },
  }
}
