// Effects over the whole grid (issue 22 point 2): one treatment and outcome's effect against the
// horizon with its 95% band, and the grid overview (treatment × outcome at one horizon), each cell
// coloured by its effect, starred when significant after the grid's Benjamini-Hochberg
// adjustment (diagnostics.q_value < 0.05) and daggered when the robustness checks call it fragile.
import type { EffectRow } from '../api';
import { fmt, h, pretty, pvalue } from '../ui';

const SVG = 'http://www.w3.org/2000/svg';
export const Q_LEVEL = 0.05;

/** An SVG element with attributes (and text); shared by the effects page's charts. */
export function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

export function qValue(r: EffectRow): number | null {
  const q = r.diagnostics?.q_value;
  return typeof q === 'number' && Number.isFinite(q) ? q : null;
}

export function fragile(r: EffectRow): boolean | null {
  const f = r.diagnostics?.fragile;
  return typeof f === 'boolean' ? f : null;
}

/** Round tick values covering [lo, hi]. */
export function ticks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => span / st <= count) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

/** The effect of one treatment on one outcome against the horizon: line, points, 95% band, zero dashed. */
export function horizonChart(rows: EffectRow[], selected: number): SVGSVGElement {
  const pts = [...rows].sort((a, b) => a.horizon_months - b.horizon_months);
  const W = 760;
  const H = 260;
  const left = 70;
  const right = 20;
  const top = 20;
  const bottom = 40;
  const hs = pts.map((r) => r.horizon_months);
  const vals = pts.flatMap((r) => [r.effect, r.confidence_interval[0], r.confidence_interval[1]]).filter(Number.isFinite);
  let lo = Math.min(0, ...vals);
  let hi = Math.max(0, ...vals);
  const pad = (hi - lo) * 0.08 || 1;
  lo -= pad;
  hi += pad;
  const h0 = Math.min(...hs);
  const h1 = Math.max(...hs);
  const x = (v: number) => (h1 === h0 ? (left + W - right) / 2 : left + ((v - h0) / (h1 - h0)) * (W - left - right));
  const y = (v: number) => top + ((hi - v) / (hi - lo)) * (H - top - bottom);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'horizon forest', role: 'img', 'aria-label': 'Effect against horizon with 95% band' });
  svg.setAttribute('data-testid', 'effects-horizon-chart');
  svg.setAttribute('data-points', String(pts.length));
  for (const t of ticks(lo, hi)) {
    svg.append(s('line', { x1: left, x2: W - right, y1: y(t), y2: y(t), class: 'grid' }));
    svg.append(s('text', { x: left - 6, y: y(t) + 4, class: 'tick', 'text-anchor': 'end' }, fmt(t, 3)));
  }
  svg.append(s('line', { x1: left, x2: W - right, y1: y(0), y2: y(0), class: 'zero' }));
  for (const hz of hs) svg.append(s('text', { x: x(hz), y: H - bottom + 18, class: 'tick', 'text-anchor': 'middle' }, String(hz)));
  svg.append(s('text', { x: (left + W - right) / 2, y: H - 6, class: 'axis-title', 'text-anchor': 'middle' }, 'horizon (months)'));
  const ok = pts.filter((r) => Number.isFinite(r.confidence_interval[0]) && Number.isFinite(r.confidence_interval[1]));
  if (ok.length > 1) {
    const upper = ok.map((r) => `${x(r.horizon_months)},${y(r.confidence_interval[1])}`);
    const lower = ok.map((r) => `${x(r.horizon_months)},${y(r.confidence_interval[0])}`).reverse();
    svg.append(s('polygon', { points: [...upper, ...lower].join(' '), fill: '#2f6fb3', 'fill-opacity': 0.18, stroke: 'none' }));
  }
  svg.append(s('polyline', { points: pts.map((r) => `${x(r.horizon_months)},${y(r.effect)}`).join(' '), fill: 'none', stroke: '#2f6fb3', 'stroke-width': 2 }));
  for (const r of pts) {
    const g = s('g', {});
    g.setAttribute('data-testid', 'effects-horizon-point');
    g.setAttribute('data-horizon', String(r.horizon_months));
    g.setAttribute('data-effect', String(r.effect));
    g.setAttribute('data-lo', String(r.confidence_interval[0]));
    g.setAttribute('data-hi', String(r.confidence_interval[1]));
    g.append(s('line', { x1: x(r.horizon_months), x2: x(r.horizon_months), y1: y(r.confidence_interval[0]), y2: y(r.confidence_interval[1]), stroke: '#2f6fb3', 'stroke-opacity': 0.6 }));
    g.append(s('circle', { cx: x(r.horizon_months), cy: y(r.effect), r: r.horizon_months === selected ? 6 : 4, fill: r.horizon_months === selected ? '#d9822b' : '#2f6fb3' }));
    g.append(s('title', {}, `${r.horizon_months} months: ${r.effect} [${r.confidence_interval[0]}, ${r.confidence_interval[1]}], p ${pvalue(r.p_value)}`));
    svg.append(g);
  }
  return svg;
}

/** Diverging colour of v in [-1, 1]: red (negative) – white – blue (positive). */
function diverging(v: number): string {
  const a = Math.min(1, Math.abs(v));
  const mix = (c: number) => Math.round(255 - (255 - c) * a);
  return v >= 0 ? `rgb(${mix(47)}, ${mix(111)}, ${mix(179)})` : `rgb(${mix(194)}, ${mix(59)}, ${mix(59)})`;
}

/**
 * The grid at one horizon: treatments (rows) × outcomes (columns). Outcomes have their own units,
 * so each column's colour is scaled by its largest |effect|; the number is the effect itself.
 */
export function gridOverview(rows: EffectRow[], horizon: number, pick: (t: string, o: string) => void, selected?: { t: string; o: string }): HTMLElement {
  const at = rows.filter((r) => r.horizon_months === horizon);
  const treatments = [...new Set(at.map((r) => r.treatment))].sort();
  const outcomes = [...new Set(at.map((r) => r.outcome))].sort();
  const scale = new Map(outcomes.map((o) => [o, Math.max(1e-300, ...at.filter((r) => r.outcome === o).map((r) => Math.abs(r.effect)).filter(Number.isFinite))]));
  return h(
    'div',
    { class: 'scroll-x' },
    h(
      'table',
      { class: 'compact crosstab grid-overview', testid: 'effects-grid' },
      h('thead', {}, h('tr', {}, h('th', {}, `treatment ↓ / outcome →, ${horizon} month${horizon === 1 ? '' : 's'}`), outcomes.map((o) => h('th', { class: 'num' }, o)))),
      h(
        'tbody',
        {},
        treatments.map((t) =>
          h(
            'tr',
            {},
            h('th', {}, pretty(t)),
            outcomes.map((o) => {
              const r = at.find((x) => x.treatment === t && x.outcome === o);
              if (!r) return h('td', { class: 'num muted' }, '·');
              const q = qValue(r);
              const f = fragile(r);
              const v = r.effect / (scale.get(o) ?? 1);
              const sig = q !== null && q < Q_LEVEL;
              const marks = `${sig ? '★' : ''}${f ? '†' : ''}`;
              const cell = h(
                'td',
                {
                  class: `num cell${selected && selected.t === t && selected.o === o ? ' chosen' : ''}`,
                  style: `background:${diverging(v)}; color:${Math.abs(v) > 0.6 ? '#fff' : '#1d2733'}; cursor:pointer`,
                  testid: 'effects-grid-cell',
                  'data-treatment': t,
                  'data-outcome': o,
                  'data-significant': String(sig),
                  'data-fragile': String(!!f),
                  title: `${pretty(t)} → ${o}, ${horizon} months: effect ${r.effect}, 95% CI [${r.confidence_interval[0]}, ${r.confidence_interval[1]}], p ${pvalue(r.p_value)}, BH q ${q === null ? '–' : pvalue(q)}${f === null ? '' : f ? ', fragile' : ', robust'}`,
                  onclick: (() => pick(t, o)) as EventListener,
                },
                h('span', { testid: 'effects-grid-value' }, fmt(r.effect, 3)),
                marks ? h('sup', { testid: 'effects-grid-marks' }, marks) : null,
              );
              return cell;
            }),
          ),
        ),
      ),
    ),
    h(
      'p',
      { class: 'muted small' },
      `Colour: the effect, scaled within each outcome (blue up, red down). ★ significant at ${Q_LEVEL} after the Benjamini-Hochberg adjustment over the grid (q-value); † fragile under the robustness checks. Click a cell to draw it.`,
    ),
  );
}
