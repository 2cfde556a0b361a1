/**
 * Spending per bucket as bars (chartist, SVG), with the budget (or a site's cap) for each bucket as a
 * labelled step line, and the same numbers as a table below it. The SVG is an image with a summary
 * for screen readers; the table is the way to read every number.
 */
import { BarChart } from 'chartist'
import { useEffect, useRef } from 'preact/hooks'
import { t } from '../shared/i18n.ts'
import { toDecimalString, type Asset } from '../shared/money.ts'
import type { Bucket, Granularity } from './aggregate.ts'
import { formatBucket, formatDuration, money } from './format.ts'

export interface ChartProps {
  buckets: Bucket[]
  /** The line's value for each bucket (same length as `buckets`), or null for no line. */
  line: bigint[] | null
  lineLabel: string
  asset: Asset
  granularity: Granularity
  /** What the chart shows, for its summary ("All sites", "news.example"). */
  subject: string
}

/** For drawing only: the chart's coordinates are numbers; every figure people read is exact. */
const plot = (units: bigint, asset: Asset): number => Number(toDecimalString(units, asset.scale))

export function SpendingChart(props: ChartProps) {
  const { buckets, line, lineLabel, asset, granularity, subject } = props
  const host = useRef<HTMLDivElement>(null)
  const labels = buckets.map((b) => formatBucket(b.start, b.end, granularity))
  const spent = buckets.map((b) => b.sent + b.unconfirmed)
  const total = spent.reduce((a, b) => a + b, 0n)
  let peak = 0
  spent.forEach((s, i) => { if (s > (spent[peak] ?? 0n)) peak = i })
  const summary = buckets.length === 0 ? t('history_chartEmpty', subject) : t('history_chartSummary', subject, labels[0] ?? '', labels.at(-1) ?? '',
    money({ value: total, ...asset }), labels[peak] ?? '', money({ value: spent[peak] ?? 0n, ...asset }))

  useEffect(() => {
    const el = host.current
    if (el === null) return
    const values = spent.map((s) => plot(s, asset))
    const lineValues = line?.map((v) => plot(v, asset)) ?? []
    const high = Math.max(0, ...values, ...lineValues)
    const ticks = new Intl.NumberFormat(document.documentElement.lang, { maximumSignificantDigits: 3 })
    const every = Math.max(1, Math.ceil(buckets.length / Math.max(2, Math.floor(el.clientWidth / 64))))
    const chart = new BarChart(el, { labels, series: [values] }, {
      low: 0,
      high: high === 0 ? 1 : high * 1.1,
      // As many labels as fit (about 64 px each: at 320 px or a 200 % zoom, five), evenly spaced.
      axisX: { showGrid: false, labelInterpolationFnc: (v: unknown, i: number) => (i % every !== 0 ? '' : String(v)) },
      // Ticks of small amounts (0.0005 apart) need their significant digits, not three decimals.
      axisY: { onlyInteger: false, labelInterpolationFnc: (v: unknown) => ticks.format(Number(v)) },
      chartPadding: { top: 20, right: 16, bottom: 4, left: 8 },
    })
    chart.on('created', (data: { chartRect: { x1: number; x2: number; y1: number; y2: number }; axisY: { projectValue(v: number): number }; svg: { attr(a: Record<string, string>): unknown; elem(n: string, a: Record<string, string | number>, c?: string): { text(s: string): unknown } } }) => {
      data.svg.attr({ role: 'img', 'aria-label': summary })
      if (line === null || lineValues.length === 0) return
      const { x1, x2, y1 } = data.chartRect
      const step = (x2 - x1) / lineValues.length
      const y = (v: number): number => y1 - data.axisY.projectValue(v)
      const d = lineValues.map((v, i) => `${i === 0 ? 'M' : 'L'}${x1 + i * step},${y(v)} L${x1 + (i + 1) * step},${y(v)}`).join(' ')
      data.svg.elem('path', { d }, 'ct-budget-line')
      data.svg.elem('text', { x: x2, y: y(lineValues.at(-1) ?? 0) - 4, 'text-anchor': 'end' }, 'ct-budget-label').text(lineLabel)
    })
    return () => { chart.detach(); el.replaceChildren() }
  }, [summary, lineLabel, labels.join('\n'), spent.join(','), line?.join(',') ?? ''])

  return (
    <figure class="chart">
      <div ref={host} class="chart-host" />
      <figcaption class="muted">{summary}</figcaption>
      <details>
        <summary>{t('history_chartAsTable')}</summary>
        <table aria-label={t('history_chartTableLabel', subject)}>
          <thead>
            <tr>
              <th scope="col">{t('history_colPeriod')}</th>
              <th scope="col">{t('history_colSpent')}</th>
              {line !== null && <th scope="col">{lineLabel}</th>}
              <th scope="col">{t('history_colTime')}</th>
            </tr>
          </thead>
          <tbody>
            {buckets.map((b, i) => (
              <tr key={b.start}>
                <th scope="row">{labels[i]}</th>
                <td>{money({ value: spent[i] ?? 0n, ...asset })}</td>
                {line !== null && <td>{money({ value: line[i] ?? 0n, ...asset })}</td>}
                <td>{formatDuration(b.ms)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  )
}
