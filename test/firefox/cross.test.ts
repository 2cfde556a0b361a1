// The scenarios both browsers run (test/cross/scenarios.ts), here in Firefox, with the event page's
// idle timeout lowered to 5 s: a background that stays up while a page is paid under 5 s stays up
// under Firefox's default 30 s, and the restart scenario lets it go idle in seconds.
import { afterAll, beforeAll } from 'vitest'
import { crossScenarios } from '../cross/scenarios.ts'
import { startFirefoxStack, type FirefoxStack } from './stack.ts'

let stack: FirefoxStack
beforeAll(async () => { stack = await startFirefoxStack({ idleTimeoutMs: 5000 }) })
afterAll(async () => { await stack?.stop() })

crossScenarios(() => stack, { long: true })
