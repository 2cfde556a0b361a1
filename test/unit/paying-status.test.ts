// A tab paying several receivers: sent and received are both the totals of all of them, or received
// is not given when the receivers' currencies differ (no one figure adds them up).
import { describe, expect, it } from 'vitest'
import { payingStatus, type PaidVisit } from '../../src/background/pages/paying-status.ts'
import type { Asset } from '../../src/shared/money.ts'
import type { TabStatus } from '../../src/shared/status.ts'

const USD6: Asset = { code: 'USD', scale: 6 }
const EUR2: Asset = { code: 'EUR', scale: 2 }

function visit(sent: bigint, delivered: bigint, destinationAsset: Asset | null): PaidVisit {
  const status: TabStatus = {
    kind: 'monetized', phase: 'paying', reason: null, receiverHost: 'a.example', input: 'https://a.example/x',
    sent: { value: sent.toString(), code: 'USD', scale: 9 },
    delivered: destinationAsset === null ? null : { value: delivered.toString(), ...destinationAsset },
    seenAt: 0, firstPaidAt: 1, timeline: [],
  }
  return { status: () => status, sent, delivered, destinationAsset }
}

describe('the status of a tab paying several receivers', () => {
  it('is the first receiver\'s own when there is one', () => {
    expect(payingStatus([visit(5000n, 5n, USD6)])).toMatchObject({ sent: { value: '5000' }, delivered: { value: '5' } })
  })

  it('adds up what was sent and what was received, over the same receivers', () => {
    expect(payingStatus([visit(5000n, 5n, USD6), visit(3000n, 3n, USD6)])).toMatchObject({ receivers: 2, sent: { value: '8000' }, delivered: { value: '8', code: 'USD', scale: 6 } })
  })

  it('gives no received figure when the receivers\' currencies differ, or one is not known yet', () => {
    expect(payingStatus([visit(5000n, 5n, USD6), visit(3000n, 1n, EUR2)])).toMatchObject({ receivers: 2, sent: { value: '8000' }, delivered: null })
    expect(payingStatus([visit(5000n, 5n, USD6), visit(0n, 0n, null)])).toMatchObject({ receivers: 2, delivered: null })
  })
})
