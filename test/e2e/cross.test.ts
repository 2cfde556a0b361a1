// The scenarios both browsers run (test/cross/scenarios.ts), here in Chromium.
import { afterAll, beforeAll } from 'vitest'
import type { CrossStack } from '../cross/stack.ts'
import { crossScenarios } from '../cross/scenarios.ts'
import { chromiumCross } from './cross-chromium.ts'
import { startStack, type Stack } from './stack.ts'

let stack: Stack
let cross: CrossStack
beforeAll(async () => {
  stack = await startStack({ uplinkProxy: true })
  cross = chromiumCross(stack)
})
afterAll(async () => { await stack?.stop() })

crossScenarios(() => cross, { long: true })
