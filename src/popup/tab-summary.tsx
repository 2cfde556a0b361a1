/** What the popup says of the current tab: monetized or not, paying or why not, to whom, how much. */
import { t, tn, type MessageKey } from '../shared/i18n.ts'
import type { PayPhase, TabStatus } from '../shared/status.ts'
import { showAmount } from '../ui/format.ts'
import { slots } from './slots.tsx'

const PHASE: Record<PayPhase, MessageKey> = {
  resolving: 'popup_phase_resolving',
  connecting: 'popup_phase_connecting',
  paying: 'popup_phase_paying',
  paused: 'popup_phase_paused',
  limit: 'popup_phase_limit',
  retrying: 'popup_phase_retrying',
  'no-uplink': 'popup_phase_noUplink',
  failed: 'popup_phase_failed',
}

/** The same phases in simulator mode, each a sentence of its own (no lower-casing of another message). */
const SIMULATED_PHASE: Record<PayPhase, MessageKey> = {
  resolving: 'popup_simPhase_resolving',
  connecting: 'popup_simPhase_connecting',
  paying: 'popup_simPhase_paying',
  paused: 'popup_simPhase_paused',
  limit: 'popup_simPhase_limit',
  retrying: 'popup_simPhase_retrying',
  'no-uplink': 'popup_simPhase_noUplink',
  failed: 'popup_simPhase_failed',
}

export function TabSummary({ status }: { status: TabStatus }) {
  const label = t('popup_thisPage')
  switch (status.kind) {
    case 'unavailable':
      return <section class="status" data-tone="wait" aria-label={label}><strong>{t('popup_unavailableTitle')}</strong><p class="muted">{t('popup_unavailableText')}</p></section>
    case 'never':
      return <section class="status" aria-label={label}><strong>{t('popup_neverTitle')}</strong><p class="muted">{t('popup_neverText')}</p></section>
    case 'not-monetized':
      return <section class="status" aria-label={label}><strong>{t('popup_notMonetizedTitle')}</strong><p class="muted">{t('popup_notMonetizedText')}</p></section>
    case 'invalid':
      return (
        <section class="status" data-tone="bad" aria-label={label}>
          <strong>{t('popup_invalidTitle')}</strong>
          <p>{status.reason}</p>
          <p class="muted">{slots('popup_invalidAsked', <code>{status.input}</code>)}</p>
        </section>
      )
    case 'monetized': {
      const tone = status.phase === 'paying' ? 'ok' : status.phase === 'failed' || status.phase === 'no-uplink' ? 'bad' : 'wait'
      const n = status.receivers
      return (
        <section class="status" data-tone={tone} aria-label={label}>
          <strong data-phase={status.phase}>{t(status.simulated === true ? SIMULATED_PHASE[status.phase] : PHASE[status.phase])}</strong>
          {status.reason !== null && <p>{status.reason}</p>}
          <dl>
            <dt>{n === undefined ? t('popup_receiver') : t('popup_receivers')}</dt>
            <dd>{n === undefined ? status.receiverHost : tn('popup_receiversMore', n - 1, status.receiverHost)}</dd>
            {/* With several receivers both figures are their totals, and say so: never the tab's sum beside one receiver's share. */}
            <dt>{n === undefined ? t('popup_sent') : tn('popup_sentAll', n)}</dt><dd data-testid="sent">{showAmount(status.sent)}</dd>
            {status.delivered !== null && (
              <>
                {/* What arrived is in the receiver's currency, which may not be the uplink's: named in the label. */}
                <dt>{n === undefined ? t('popup_received', status.delivered.code) : tn('popup_receivedAll', n, status.delivered.code)}</dt>
                <dd data-testid="received">{showAmount(status.delivered)}</dd>
              </>
            )}
          </dl>
        </section>
      )
    }
  }
}
