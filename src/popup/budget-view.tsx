/** The budget at a glance: a bar of spent, in flight and left, with a legend of the three amounts; this period's top sites. */
import type { Overview } from '../shared/messages.ts'
import { t } from '../shared/i18n.ts'
import { siteLabel } from '../ui/format.ts'
import { budgetBar, type BudgetBar } from './budget-bar.ts'
import { formatDay, showAmount } from '../ui/format.ts'
import { daysUntil, exactMoney, relativeDays } from './local-format.ts'

export function BudgetView({ overview }: { overview: Overview }) {
  const { budget, topSites } = overview
  const bar = budgetBar(budget)
  const weekly = budget.period.kind === 'weekly'
  const end = budget.period.end
  return (
    <section aria-labelledby="budget-heading">
      <h2 id="budget-heading">{weekly ? t('popup_budgetWeek') : t('popup_budgetMonth')}</h2>
      {bar === null ? <p class="muted">{t('popup_budgetUnknown')}</p> : <Bar bar={bar} />}
      <p class="muted">{t('popup_renews', formatDay(end), relativeDays(daysUntil(end, new Date())))}</p>
      {topSites.length > 0 && (
        <>
          <h2 id="top-sites-heading">{weekly ? t('popup_topWeek') : t('popup_topMonth')}</h2>
          <ol class="sites" aria-labelledby="top-sites-heading">
            {topSites.map((s) => <li key={s.site}><span>{siteLabel(s.site)}</span> <span>{showAmount(s.sent)}</span></li>)}
          </ol>
        </>
      )}
    </section>
  )
}

/** Three segments, not told by colour alone: a pattern for money in flight, a legend with each amount, and a description of the whole. */
function Bar({ bar }: { bar: BudgetBar }) {
  const spent = exactMoney(bar.spent)
  const held = exactMoney(bar.held)
  const left = exactMoney(bar.left)
  const total = exactMoney(bar.budget)
  // A segment of any amount shows, however thin (min-width in CSS): a cent in flight is not hidden by rounding.
  const segment = (kind: 'spent' | 'held' | 'left') =>
    bar[kind].value > 0n ? <span class={`seg seg-${kind}`} data-part={kind} style={{ width: `${bar.widths[kind] / 10}%` }} /> : null
  return (
    <>
      <div class="budget-bar" role="img" data-testid="budget-bar" aria-label={t('popup_barLabel', spent, held, left, total)}>
        {segment('spent')}
        {segment('held')}
        {segment('left')}
      </div>
      <dl class="legend" data-testid="budget-legend">
        <dt><span class="swatch seg-spent" aria-hidden="true" />{t('popup_legendSpent')}</dt><dd data-part="spent">{spent}</dd>
        <dt><span class="swatch seg-held" aria-hidden="true" />{t('popup_legendHeld')}</dt><dd data-part="held">{held}</dd>
        <dt><span class="swatch seg-left" aria-hidden="true" />{t('popup_legendLeft')}</dt><dd data-part="left">{left}</dd>
        <dt>{t('popup_legendBudget')}</dt><dd data-part="budget">{total}</dd>
      </dl>
      <p class="hint">{t('popup_heldHint')}</p>
      {bar.over.value > 0n && <p class="error" role="status">{t('popup_over', exactMoney(bar.over))}</p>}
      {bar.exhausted && <p class="error" role="status">{t('popup_budgetUsedUp')}</p>}
    </>
  )
}
