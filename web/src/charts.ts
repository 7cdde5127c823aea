// Charts over uPlot: a time line chart, stacked regime probabilities with shaded intervals
// (NBER recessions), and a fan chart of Monte Carlo quantiles (baseline vs intervened).
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Fan } from './api';
import type { Scope } from './router';
import { color, dateToSec, fmt } from './ui';

const utc = (ts: number) => uPlot.tzDate(new Date(ts * 1e3), 'Etc/UTC');

function mount(el: HTMLElement, scope: Scope, opts: Omit<uPlot.Options, 'width'>, data: uPlot.AlignedData): uPlot {
  const width = () => Math.max(280, Math.floor(el.getBoundingClientRect().width));
  const u = new uPlot({ ...opts, width: width() }, data, el);
  let frame = 0;
  const ro = new ResizeObserver(() => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(() => {
      const w = width();
      if (Math.abs(w - u.width) > 2) u.setSize({ width: w, height: opts.height });
    });
  });
  ro.observe(el);
  scope.onCleanup(() => {
    cancelAnimationFrame(frame);
    ro.disconnect();
    u.destroy();
  });
  el.dataset.points = String(data[0].length);
  return u;
}

/** Shades [from, to) intervals (x units) across the plot, drawn over the series. */
function shadePlugin(intervals: [number, number][], fill: string): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u: uPlot) => {
          if (!intervals.length) return;
          const { left, top, width, height } = u.bbox;
          const ctx = u.ctx;
          ctx.save();
          ctx.fillStyle = fill;
          for (const [a, b] of intervals) {
            const x0 = Math.max(left, u.valToPos(a, 'x', true));
            const x1 = Math.min(left + width, u.valToPos(b, 'x', true));
            if (x1 > x0) ctx.fillRect(x0, top, x1 - x0, height);
          }
          ctx.restore();
        },
      ],
    },
  };
}

/** Intervals where a 0/1 monthly indicator (USREC) is 1, as [start, end) in Unix seconds. */
export function indicatorIntervals(obs: { date: string; value: number | null }[]): [number, number][] {
  const out: [number, number][] = [];
  let start: number | null = null;
  for (const o of obs) {
    const on = (o.value ?? 0) >= 0.5;
    if (on && start === null) start = dateToSec(o.date);
    if (!on && start !== null) {
      out.push([start, dateToSec(o.date)]);
      start = null;
    }
  }
  if (start !== null && obs.length) {
    const last = obs[obs.length - 1].date;
    const d = new Date(dateToSec(last) * 1000);
    d.setUTCMonth(d.getUTCMonth() + 1);
    out.push([start, d.getTime() / 1000]);
  }
  return out;
}

export interface LineSeries {
  label: string;
  values: (number | null)[];
  color?: string;
}

export function timeLineChart(
  el: HTMLElement,
  scope: Scope,
  o: { dates: string[]; series: LineSeries[]; height?: number; yLabel?: string },
): uPlot {
  const xs = o.dates.map(dateToSec);
  return mount(
    el,
    scope,
    {
      height: o.height ?? 320,
      tzDate: utc,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true } },
      axes: [{}, { label: o.yLabel, size: 70, values: (_u, vals) => vals.map((v) => fmt(v, 4)) }],
      series: [
        { label: 'Date', value: '{YYYY}-{MM}-{DD}' },
        ...o.series.map((s, i) => ({
          label: s.label,
          stroke: s.color ?? color(i),
          width: 1.5,
          spanGaps: true,
          value: (_u: uPlot, v: number | null) => fmt(v, 4),
        })),
      ],
    },
    [xs, ...o.series.map((s) => s.values)] as uPlot.AlignedData,
  );
}

/**
 * Regime probabilities stacked to 1 over time. Each label is drawn as the cumulative sum up to it,
 * top label first, with opaque fills, so each band's height is that label's probability; the legend
 * shows the label's own probability.
 */
export function stackedChart(
  el: HTMLElement,
  scope: Scope,
  o: {
    dates: string[];
    labels: string[];
    probs: number[][]; // per label, per date
    shade?: [number, number][];
    xRange?: [number, number];
    height?: number;
  },
): uPlot {
  const xs = o.dates.map(dateToSec);
  const n = o.labels.length;
  const cum: number[][] = [];
  let run = new Array<number>(xs.length).fill(0);
  for (let k = 0; k < n; k++) {
    run = run.map((v, i) => v + (o.probs[k][i] ?? 0));
    cum.push(run);
  }
  const order = [...Array(n).keys()].reverse();
  const alpha = (c: string) => c + 'dd';
  return mount(
    el,
    scope,
    {
      height: o.height ?? 300,
      tzDate: utc,
      cursor: { drag: { x: true, y: false }, points: { show: false } },
      scales: {
        x: { time: true, ...(o.xRange ? { range: () => o.xRange as [number, number] } : {}) },
        y: { range: [0, 1] },
      },
      axes: [{}, { size: 50, values: (_u, vals) => vals.map((v) => `${Math.round(v * 100)}%`) }],
      series: [
        { label: 'Date', value: '{YYYY}-{MM}-{DD}' },
        ...order.map((k) => ({
          label: o.labels[k],
          stroke: color(k),
          fill: alpha(color(k)),
          width: 0,
          points: { show: false },
          value: (_u: uPlot, _v: number | null, _s: number, idx: number | null) =>
            idx === null ? '–' : `${((o.probs[k][idx] ?? 0) * 100).toFixed(1)}%`,
        })),
      ],
      plugins: o.shade ? [shadePlugin(o.shade, 'rgba(20, 20, 20, 0.22)')] : [],
    },
    [xs, ...order.map((k) => cum[k])] as uPlot.AlignedData,
  );
}

export const FAN_COLORS = { baseline: '#5f6b7a', intervened: '#d9822b' };

/** Quantile fans (5–95% and 25–75% bands, median line) of a node, baseline vs intervened. */
export function fanChart(
  el: HTMLElement,
  scope: Scope,
  o: { baseline: Fan; intervened?: Fan; node: string; unit?: string; height?: number; dates?: string[] },
): uPlot {
  // With the run's dates (one per day of the fan) the x axis is a date axis.
  const dated = o.dates !== undefined && o.dates.length === o.baseline.length;
  const steps = dated ? o.dates!.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000) : o.baseline.map((_, i) => i + 1);
  el.dataset.dated = String(dated);
  if (dated) {
    el.dataset.first = o.dates![0];
    el.dataset.last = o.dates![o.dates!.length - 1];
  }
  const col = (f: Fan, q: number) => f.map((row) => row[q]);
  const series: uPlot.Series[] = [{ label: 'Day' }];
  const data: (number | null)[][] = [steps];
  const bands: uPlot.Band[] = [];
  const add = (fan: Fan, name: string, c: string) => {
    const base = series.length;
    const thin = { stroke: c + '66', width: 1, points: { show: false } };
    series.push(
      { label: `${name} 95%`, ...thin },
      { label: `${name} 5%`, ...thin },
      { label: `${name} 75%`, ...thin },
      { label: `${name} 25%`, ...thin },
      { label: `${name} median`, stroke: c, width: 2, dash: name === 'baseline' ? [6, 4] : undefined, points: { show: false } },
    );
    data.push(col(fan, 4), col(fan, 0), col(fan, 3), col(fan, 1), col(fan, 2));
    bands.push({ series: [base, base + 1], fill: c + '2a' }, { series: [base + 2, base + 3], fill: c + '4d' });
  };
  add(o.baseline, 'baseline', FAN_COLORS.baseline);
  if (o.intervened) add(o.intervened, 'intervened', FAN_COLORS.intervened);
  return mount(
    el,
    scope,
    {
      height: o.height ?? 340,
      legend: { show: false },
      cursor: { points: { show: false } },
      scales: { x: { time: dated } },
      axes: [
        { label: dated ? 'date' : 'days after start' },
        { label: o.unit ? `${o.node} (${o.unit})` : o.node, size: 70, values: (_u, vals) => vals.map((v) => fmt(v, 4)) },
      ],
      series,
      bands,
    },
    data as uPlot.AlignedData,
  );
}

/** One line over the days of a simulation (e.g. the intervened − baseline median). */
export function stepLineChart(
  el: HTMLElement,
  scope: Scope,
  o: { values: number[]; label: string; yLabel: string; color?: string; height?: number },
): uPlot {
  const steps = o.values.map((_, i) => i + 1);
  return mount(
    el,
    scope,
    {
      height: o.height ?? 200,
      legend: { show: false },
      cursor: { points: { show: false } },
      scales: { x: { time: false } },
      axes: [{ label: 'days after start' }, { label: o.yLabel, size: 70, values: (_u, vals) => vals.map((v) => fmt(v, 4)) }],
      series: [{ label: 'Day' }, { label: o.label, stroke: o.color ?? FAN_COLORS.intervened, width: 2, points: { show: false } }],
    },
    [steps, o.values],
  );
}

/** Draws a ribbon of coloured runs (e.g. the named regime of each date) along the plot's bottom edge. */
function stripPlugin(runs: { from: number; to: number; color: string }[], px = 12): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u: uPlot) => {
          const { left, top, width, height } = u.bbox;
          const ctx = u.ctx;
          const h = px * devicePixelRatio;
          ctx.save();
          for (const r of runs) {
            const x0 = Math.max(left, u.valToPos(r.from, 'x', true));
            const x1 = Math.min(left + width, u.valToPos(r.to, 'x', true));
            if (x1 <= x0) continue;
            ctx.fillStyle = r.color;
            ctx.fillRect(x0, top + height - h, Math.max(1, x1 - x0), h);
          }
          ctx.restore();
        },
      ],
    },
  };
}

/** Runs of equal labels over dates: [from, to) in Unix seconds, `to` the next run's first date. */
export function labelRuns(dates: string[], labels: string[]): { label: string; from: number; to: number }[] {
  const out: { label: string; from: number; to: number }[] = [];
  for (let i = 0; i < dates.length; i++) {
    const x = dateToSec(dates[i]);
    const last = out[out.length - 1];
    if (last && last.label === labels[i]) last.to = i + 1 < dates.length ? dateToSec(dates[i + 1]) : x + 86400;
    else out.push({ label: labels[i], from: x, to: i + 1 < dates.length ? dateToSec(dates[i + 1]) : x + 86400 });
  }
  return out;
}

/**
 * A price on a log scale (uPlot distr 3) with shaded intervals (NBER recessions) and, optionally,
 * a ribbon of the named regime along the bottom.
 */
export function logPriceChart(
  el: HTMLElement,
  scope: Scope,
  o: {
    dates: string[];
    values: (number | null)[];
    label: string;
    shade?: [number, number][];
    strip?: { from: number; to: number; color: string }[];
    xRange?: [number, number];
    height?: number;
  },
): uPlot {
  const xs = o.dates.map(dateToSec);
  const plugins: uPlot.Plugin[] = [];
  if (o.shade) plugins.push(shadePlugin(o.shade, 'rgba(20, 20, 20, 0.16)'));
  if (o.strip) plugins.push(stripPlugin(o.strip));
  el.dataset.scale = 'log';
  return mount(
    el,
    scope,
    {
      height: o.height ?? 300,
      tzDate: utc,
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: true, ...(o.xRange ? { range: () => o.xRange as [number, number] } : {}) }, y: { distr: 3 } },
      axes: [{}, { label: `${o.label} (log scale)`, size: 70, values: (_u, vals) => vals.map((v) => fmt(v, 0)) }],
      series: [
        { label: 'Date', value: '{YYYY}-{MM}-{DD}' },
        { label: o.label, stroke: '#1d2733', width: 1.25, spanGaps: true, points: { show: false }, value: (_u: uPlot, v: number | null) => fmt(v, 2) },
      ],
      plugins,
    },
    [xs, o.values.map((v) => (v !== null && v > 0 ? v : null))] as uPlot.AlignedData,
  );
}
