// Effects: one estimated causal effect (treatment → outcome at a horizon) as a forest plot of the
// effect and its 95% interval, overall and per regime, with the placebo checks in words.
import { api, type EffectRow, type EffectVersion } from '../api';
import type { Page, Scope } from '../router';
import { clear, empty, errorBox, fmt, h, isAbort, labeled, loading, pretty, pvalue, select } from '../ui';
import { gridOverview, horizonChart } from './effects_charts';
import { identificationBadge, studiesCard } from './effects_studies';

const SVG = 'http://www.w3.org/2000/svg';

function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

function niceTicks(lo: number, hi: number, count = 6): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => span / st <= count) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

interface ForestRow {
  name: string;
  effect: number;
  lo: number;
  hi: number;
  p: number;
  overall?: boolean;
}

/** An SVG forest plot: one row per estimate, the interval as a line, the effect as a mark, zero dashed. */
export function forestPlot(rows: ForestRow[], unit: string): SVGSVGElement {
  const W = 760;
  const rowH = 36;
  const top = 28;
  const left = 150;
  const right = 230;
  const H = top + rows.length * rowH + 34;
  const finite = rows.flatMap((r) => [r.lo, r.hi, r.effect]).filter(Number.isFinite);
  let lo = Math.min(0, ...finite);
  let hi = Math.max(0, ...finite);
  const pad = (hi - lo) * 0.08 || 1;
  lo -= pad;
  hi += pad;
  const x = (v: number) => left + ((v - lo) / (hi - lo)) * (W - left - right);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'forest', role: 'img', 'aria-label': 'Forest plot of effects with 95% intervals' });
  svg.setAttribute('data-testid', 'forest-plot');
  svg.setAttribute('data-rows', String(rows.length));
  svg.append(s('text', { x: left, y: 16, class: 'axis-title' }, `effect (${unit}) with 95% interval`));
  svg.append(s('text', { x: W - right + 12, y: 16, class: 'axis-title' }, 'effect [95% CI], p'));
  const yEnd = top + rows.length * rowH;
  for (const t of niceTicks(lo, hi)) {
    svg.append(s('line', { x1: x(t), x2: x(t), y1: top, y2: yEnd, class: 'grid' }));
    svg.append(s('text', { x: x(t), y: yEnd + 18, class: 'tick', 'text-anchor': 'middle' }, fmt(t, 3)));
  }
  svg.append(s('line', { x1: x(0), x2: x(0), y1: top - 4, y2: yEnd, class: 'zero' }));
  rows.forEach((r, i) => {
    const y = top + i * rowH + rowH / 2;
    const significant = r.lo > 0 || r.hi < 0;
    const g = s('g', { class: `row${significant ? ' significant' : ''}${r.overall ? ' overall' : ''}` });
    g.setAttribute('data-testid', 'forest-row');
    if (i % 2 === 0) g.append(s('rect', { x: 0, y: y - rowH / 2, width: W, height: rowH, class: 'band' }));
    g.append(s('text', { x: 8, y: y + 4, class: 'name' }, r.name));
    if (Number.isFinite(r.lo) && Number.isFinite(r.hi)) {
      g.append(s('line', { x1: x(r.lo), x2: x(r.hi), y1: y, y2: y, class: 'ci' }));
      for (const v of [r.lo, r.hi]) g.append(s('line', { x1: x(v), x2: x(v), y1: y - 5, y2: y + 5, class: 'ci' }));
    }
    if (Number.isFinite(r.effect)) {
      const cx = x(r.effect);
      const m = r.overall ? 8 : 6;
      g.append(
        r.overall
          ? s('polygon', { points: `${cx - m},${y} ${cx},${y - m} ${cx + m},${y} ${cx},${y + m}`, class: 'mark' })
          : s('rect', { x: cx - m / 2 - 1, y: y - m / 2 - 1, width: m + 2, height: m + 2, class: 'mark' }),
      );
    }
    g.append(
      s('text', { x: W - right + 12, y: y + 4, class: 'value' }, `${fmt(r.effect, 3)} [${fmt(r.lo, 3)}, ${fmt(r.hi, 3)}], p ${pvalue(r.p)}`),
    );
    g.append(s('title', {}, `${r.name}: effect ${r.effect}, 95% CI [${r.lo}, ${r.hi}], p = ${r.p}`));
    svg.append(g);
  });
  return svg;
}

function placeboText(row: EffectRow): HTMLElement {
  const list = row.placebo ?? [];
  if (!list.length) return empty('No placebo checks stored for this estimate.', 'effects-placebo-empty');
  return h(
    'ul',
    { class: 'placebo', testid: 'effects-placebo' },
    list.map((pl) => {
      const ok = !(pl.p_value < 0.05);
      return h(
        'li',
        { class: ok ? 'ok' : 'warn' },
        h('strong', {}, pretty(pl.kind).replace(/^./, (c) => c.toUpperCase())),
        `: effect ${fmt(pl.effect, 3)}, p = ${pvalue(pl.p_value)}. `,
        ok
          ? 'No effect detected where none should be: the check passes.'
          : pl.kind === 'pre_treatment_outcome'
            ? "The outcome's months before the treatment predict it: the treatment reacts to the outcome and is not as good as random; read the main estimate with caution."
            : 'An effect shows up where none should be: the interval may be too narrow; read the main estimate with caution.',
      );
    }),
  );
}

function diagnostics(row: EffectRow): HTMLElement {
  const d = row.diagnostics ?? {};
  const items: [string, string][] = [
    ['method', `${row.method} (${row.learner})`],
    ['observations', String(row.observations)],
    ['standard error', fmt(row.uncertainty, 4)],
    ...Object.entries(d).map(([k, v]) => [pretty(k), typeof v === 'number' ? fmt(v, 4) : String(v)] as [string, string]),
  ];
  return h('dl', { class: 'kv', testid: 'effects-diagnostics' }, items.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

async function render(root: HTMLElement, scope: Scope): Promise<void> {
  root.append(
    h('h1', { testid: 'page-title' }, 'Effects'),
    h('p', { class: 'subtitle' }, 'Estimated causal effects: pick a version, treatment, outcome and horizon.'),
  );
  const versionRow = h('form', { class: 'controls', testid: 'effects-version-controls' }, loading('Loading effects versions…'));
  const notice = h('div', {});
  const pickers = h('div', { class: 'controls' });
  const body = h('div', {});
  const p = scope.params;
  root.append(versionRow, notice, pickers, body, studiesCard(scope.signal, p.get('study')));

  let rows: EffectRow[] = [];
  let pickCell: (t: string, o: string) => void = () => {};
  const draw = (t: string, o: string, hz: string, version: string) => {
    scope.setParams({ version, t, o, h: hz });
    const row = rows.find((r) => r.treatment === t && r.outcome === o && String(r.horizon_months) === hz);
    if (!row) {
      clear(body, empty('No estimate for this treatment, outcome and horizon.', 'effects-empty'));
      return;
    }
    const forest: ForestRow[] = [
      { name: 'Overall', effect: row.effect, lo: row.confidence_interval?.[0], hi: row.confidence_interval?.[1], p: row.p_value, overall: true },
      ...Object.entries(row.regime_effects ?? {})
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([name, r]) => ({ name: `Regime ${name}`, effect: r.effect, lo: r.confidence_interval?.[0], hi: r.confidence_interval?.[1], p: r.p_value })),
    ];
    const along = rows.filter((r) => r.treatment === t && r.outcome === o);
    const d = row.diagnostics ?? {};
    clear(
      body,
      typeof d.identified === 'boolean' ? identificationBadge(d.identified, String(d.identification ?? '')) : null,
      h(
        'article',
        { class: 'card wide', testid: 'effects-horizon' },
        h('h2', {}, `${pretty(t)} → ${o} against the horizon`),
        h('div', { class: 'forest-wrap' }, horizonChart(along, Number(hz))),
        h('p', { class: 'muted small' }, 'Line: the effect at each horizon estimated in this version; band and whiskers: 95% intervals; orange: the horizon drawn below.'),
      ),
      h(
        'article',
        { class: 'card wide', testid: 'effects-grid-card' },
        h('h2', {}, `The whole grid at ${hz} month${hz === '1' ? '' : 's'}`),
        gridOverview(rows, Number(hz), (tt, oo) => pickCell(tt, oo), { t, o }),
      ),
      h(
        'article',
        { class: 'card wide' },
        h('h2', {}, `${pretty(t)} → ${o}, ${hz} month${hz === '1' ? '' : 's'} ahead`),
        h('div', { class: 'forest-wrap' }, forestPlot(forest, o)),
        h('p', { class: 'muted small' }, 'Diamond: all regimes together; squares: within each regime. Dark marks: the 95% interval excludes zero.'),
      ),
      h('div', { class: 'cards' }, h('article', { class: 'card' }, h('h2', {}, 'Placebo checks'), placeboText(row)), h('article', { class: 'card' }, h('h2', {}, 'Diagnostics'), diagnostics(row))),
    );
  };

  const load = async (version: string) => {
    clear(pickers);
    if (!version) {
      clear(body, empty('Pick an effects version.', 'effects-empty'));
      return;
    }
    clear(body, loading(`Loading effects ${version}…`, 'effects-loading'));
    try {
      rows = await api.effects(version, scope.signal);
    } catch (e) {
      if (isAbort(e)) throw e;
      clear(body, errorBox(e, `load effects ${version}`, 'effects-error'));
      return;
    }
    if (!rows.length) {
      clear(body, empty(`Effects version ${version} has no estimates.`, 'effects-empty'));
      return;
    }
    const uniq = <T,>(xs: T[]) => [...new Set(xs)];
    const treatments = uniq(rows.map((r) => r.treatment)).sort();
    const outcomes = uniq(rows.map((r) => r.outcome)).sort();
    const horizons = uniq(rows.map((r) => r.horizon_months)).sort((a, b) => a - b).map(String);
    const pick = (xs: string[], want: string | null) => (want && xs.includes(want) ? want : xs[0]);
    const ts = select(treatments.map((t) => [t, pretty(t)] as [string, string]), pick(treatments, p.get('t')), { testid: 'effects-treatment' });
    const os = select(outcomes, pick(outcomes, p.get('o')), { testid: 'effects-outcome' });
    const hs = select(horizons.map((x) => [x, `${x} month${x === '1' ? '' : 's'}`] as [string, string]), pick(horizons, p.get('h')), { testid: 'effects-horizon' });
    const redraw = () => draw(ts.value, os.value, hs.value, version);
    pickCell = (t, o) => {
      ts.value = t;
      os.value = o;
      redraw();
    };
    for (const el of [ts, os, hs]) el.addEventListener('change', redraw);
    clear(pickers, labeled('Treatment', ts), labeled('Outcome', os), labeled('Horizon', hs));
    redraw();
  };

  let versions: EffectVersion[] | null = null;
  try {
    versions = await api.effectVersions(scope.signal);
  } catch (e) {
    if (isAbort(e)) throw e;
    clear(notice, errorBox(e, 'list the effects versions', 'effects-versions-error'));
  }
  if (versions && !versions.length) {
    clear(versionRow, empty('No effects in this store yet. Estimate some with `mre effects estimate`.', 'effects-empty'));
    scope.ready();
    return;
  }
  let control: HTMLSelectElement | HTMLInputElement;
  if (versions) {
    const names = versions.map((v) => v.version);
    const newest = [...versions].sort((a, b) => a.created_at.localeCompare(b.created_at))[versions.length - 1].version;
    const initial = names.includes(p.get('version') ?? '') ? p.get('version')! : newest;
    control = select(
      versions.map((v) => [v.version, `${v.version} (${v.spec}, regimes ${v.regime_version}, ${v.rows} rows)`] as [string, string]),
      initial,
      { testid: 'effects-version' },
    );
    control.addEventListener('change', () => void load(control.value));
  } else {
    control = h('input', { type: 'text', placeholder: 'E_…', value: p.get('version') ?? '', testid: 'effects-version', size: 28 });
  }
  clear(versionRow, labeled('Effects version', control), versions ? null : h('button', { type: 'submit', testid: 'effects-load' }, 'Load'));
  versionRow.addEventListener('submit', (e) => {
    e.preventDefault();
    void load(control.value.trim());
  });
  if (control.value) await load(control.value.trim());
  else clear(body, empty('Type an effects version (see `mre effects list`) and press Load.', 'effects-empty'));
  scope.ready();
}

export const effectsPage: Page = { path: 'effects', title: 'Effects', render };
