// Backtests: what a regime signal was worth to a portfolio (docs/backtests.md). A stored
// backtest version's strategies side by side: equity curves on a log scale with the first
// regime-driven strategy's regimes shaded, drawdowns, and the metrics table.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { request } from '../api';
import type { Page, Scope } from '../router';
import { clear, color, dateToSec, empty, errorBox, fmt, h, isAbort, labeled, loading, pct, select } from '../ui';

interface BacktestInfo {
  version: string;
  spec: string;
  spec_hash: string;
  inputs: Record<string, string>;
  created_at: string;
}

interface BacktestDay {
  date: string;
  ret: number | null;
  equity: number | null;
  drawdown: number | null;
  exposure: number | null;
  turnover: number | null;
  regime: string;
}

interface BacktestStrategy {
  name: string;
  kind: string;
  metrics: Record<string, number | null>;
  years: Record<string, number | null>;
  days?: BacktestDay[];
}

interface BacktestData {
  version: string;
  spec_name: string;
  strategies: BacktestStrategy[];
}

const METRICS: [string, string, boolean][] = [
  ['annual_return', 'Return / yr', true],
  ['volatility', 'Volatility', true],
  ['sharpe', 'Sharpe', false],
  ['sortino', 'Sortino', false],
  ['max_drawdown', 'Max drawdown', true],
  ['calmar', 'Calmar', false],
  ['turnover', 'Turnover / yr', true],
  ['average_exposure', 'Exposure', true],
];

/** The days of the first strategy whose regime is not the most common one, as [from, to) seconds. */
function regimeIntervals(days: BacktestDay[]): { label: string; intervals: [number, number][] } {
  const counts = new Map<string, number>();
  for (const d of days) if (d.regime) counts.set(d.regime, (counts.get(d.regime) ?? 0) + 1);
  const common = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const intervals: [number, number][] = [];
  let start: number | null = null;
  for (const d of days) {
    const on = d.regime !== '' && d.regime !== common;
    const x = dateToSec(d.date);
    if (on && start === null) start = x;
    if (!on && start !== null) {
      intervals.push([start, x]);
      start = null;
    }
  }
  if (start !== null && days.length) intervals.push([start, dateToSec(days[days.length - 1].date)]);
  const other = [...counts.keys()].filter((k) => k !== common).join(', ');
  return { label: other, intervals };
}

function shade(intervals: [number, number][]): uPlot.Plugin {
  return {
    hooks: {
      drawClear: [
        (u: uPlot) => {
          const { left, top, width, height } = u.bbox;
          u.ctx.save();
          u.ctx.fillStyle = 'rgba(217, 130, 43, 0.16)';
          for (const [a, b] of intervals) {
            const x0 = Math.max(left, u.valToPos(a, 'x', true));
            const x1 = Math.min(left + width, u.valToPos(b, 'x', true));
            if (x1 > x0) u.ctx.fillRect(x0, top, x1 - x0, height);
          }
          u.ctx.restore();
        },
      ],
    },
  };
}

function chart(el: HTMLElement, scope: Scope, opts: Omit<uPlot.Options, 'width'>, data: uPlot.AlignedData): void {
  const width = () => Math.max(280, Math.floor(el.getBoundingClientRect().width));
  const u = new uPlot({ ...opts, width: width() }, data, el);
  const ro = new ResizeObserver(() => {
    const w = width();
    if (Math.abs(w - u.width) > 2) u.setSize({ width: w, height: opts.height });
  });
  ro.observe(el);
  scope.onCleanup(() => {
    ro.disconnect();
    u.destroy();
  });
  el.dataset.points = String(data[0].length);
}

const utc = (ts: number) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

function metricsTable(data: BacktestData): HTMLElement {
  return h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'compact', testid: 'backtest-metrics' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Strategy'), METRICS.map(([, title]) => h('th', { class: 'num' }, title)))),
      h(
        'tbody',
        {},
        data.strategies.map((s) =>
          h(
            'tr',
            { testid: 'backtest-row' },
            h('td', {}, s.name),
            METRICS.map(([key, , percent]) => h('td', { class: 'num' }, percent ? pct(s.metrics[key], 2) : fmt(s.metrics[key], 2))),
          ),
        ),
      ),
    ),
  );
}

function draw(root: HTMLElement, scope: Scope, data: BacktestData): void {
  const withDays = data.strategies.filter((s) => s.days && s.days.length);
  if (!withDays.length) {
    root.append(empty('This backtest has no daily path.'));
    return;
  }
  const dates = withDays[0].days!.map((d) => d.date);
  const xs = dates.map(dateToSec);
  const regimeSource = withDays.find((s) => s.days!.some((d) => d.regime));
  const shading = regimeSource ? regimeIntervals(regimeSource.days!) : { label: '', intervals: [] };
  const series = (key: 'equity' | 'drawdown') =>
    withDays.map((s) => {
      const byDate = new Map(s.days!.map((d) => [d.date, d[key]]));
      return dates.map((d) => byDate.get(d) ?? null);
    });
  const equityEl = h('div', { class: 'chart', testid: 'backtest-equity' });
  const drawdownEl = h('div', { class: 'chart', testid: 'backtest-drawdown' });
  root.append(
    h('h2', {}, 'Growth of 1 (log scale)'),
    shading.label
      ? h('p', { class: 'muted small', testid: 'backtest-shading' }, `Shaded: ${regimeSource!.name} in ${shading.label}.`)
      : h('span', {}),
    equityEl,
    h('h2', {}, 'Drawdown'),
    drawdownEl,
    h('h2', {}, 'Metrics'),
    metricsTable(data),
  );
  const lines = (percent: boolean): uPlot.Series[] => [
    { label: 'Date', value: '{YYYY}-{MM}-{DD}' },
    ...withDays.map((s, i) => ({
      label: s.name,
      stroke: color(i),
      width: 1.5,
      value: (_u: uPlot, v: number | null) => (percent ? pct(v, 1) : fmt(v, 4)),
    })),
  ];
  chart(
    equityEl,
    scope,
    {
      height: 340,
      tzDate: utc,
      scales: { x: { time: true }, y: { distr: 3 } },
      axes: [{}, { size: 70, values: (_u, vals) => vals.map((v) => fmt(v, 3)) }],
      series: lines(false),
      plugins: [shade(shading.intervals)],
    },
    [xs, ...series('equity')] as uPlot.AlignedData,
  );
  chart(
    drawdownEl,
    scope,
    {
      height: 220,
      tzDate: utc,
      scales: { x: { time: true } },
      axes: [{}, { size: 70, values: (_u, vals) => vals.map((v) => pct(v, 0)) }],
      series: lines(true),
      plugins: [shade(shading.intervals)],
    },
    [xs, ...series('drawdown')] as uPlot.AlignedData,
  );
}

async function render(root: HTMLElement, scope: Scope): Promise<void> {
  root.append(
    h('h1', { testid: 'page-title' }, 'Backtests'),
    h('p', { class: 'subtitle' }, 'Strategies driven by online regime signals against buy-and-hold, after the trading delay and costs (mre backtest).'),
  );
  const controls = h('div', { class: 'controls', testid: 'backtest-controls' }, loading('Loading the backtests…'));
  const body = h('div', { testid: 'backtest-body' });
  root.append(controls, body);
  let list: BacktestInfo[];
  try {
    list = await request<BacktestInfo[]>('backtests', { signal: scope.signal });
  } catch (e) {
    if (isAbort(e)) return;
    clear(controls, errorBox(e, 'loading the backtests'));
    scope.ready();
    return;
  }
  if (!list.length) {
    clear(controls, empty('No backtests yet: mre backtest --spec config/backtests/jm_sp500.yml --version B1', 'backtest-empty'));
    scope.ready();
    return;
  }
  const wanted = scope.params.get('version');
  const version = list.some((b) => b.version === wanted) ? wanted! : list[list.length - 1].version;
  const picker = select(list.map((b) => [b.version, `${b.version} (${b.spec})`] as [string, string]), version, { testid: 'backtest-version' });
  picker.addEventListener('change', () => {
    location.hash = `#/backtests?version=${encodeURIComponent(picker.value)}`;
  });
  clear(controls, labeled('Version', picker));
  body.append(loading('Loading the daily paths…'));
  try {
    const data = await request<BacktestData>(`backtests/${encodeURIComponent(version)}?daily=1`, { signal: scope.signal });
    clear(body);
    draw(body, scope, data);
  } catch (e) {
    if (isAbort(e)) return;
    clear(body, errorBox(e, `loading backtest ${version}`));
  }
  scope.ready();
}

export const backtestsPage: Page = { path: 'backtests', title: 'Backtests', render };
