// Regime-conditional statistics of a regime version (issue 19 point 6, issue 22 point 2), from
// GET /api/regimes/{v}/profile: the transition matrix as a heatmap, the expected durations, and
// each asset's annualised return, volatility, Sharpe and worst day per regime (with bars).
import { api, type RegimeProfile } from '../api';
import { clear, color, errorBox, fmt, h, isAbort, loading, pct } from '../ui';

const SVG = 'http://www.w3.org/2000/svg';

function s<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Transition probabilities as a heatmap table: white (0) to dark blue (1); the diagonal outlined. */
function heatmap(p: RegimeProfile): HTMLElement {
  const cell = (v: number | null, i: number, j: number, count: number | null) => {
    const x = v ?? 0;
    const light = Math.round(255 - 200 * x);
    return h(
      'td',
      {
        class: `num heat${i === j ? ' diag' : ''}`,
        style: `background: rgb(${light}, ${Math.round(255 - 150 * x)}, 255); color: ${x > 0.55 ? '#fff' : '#1d2733'}`,
        title: `${p.labels[i]} → ${p.labels[j]}: ${v === null ? 'no data' : pct(v, 2)} (${count ?? 0} transitions)`,
        testid: 'profile-heat-cell',
        'data-from': p.labels[i],
        'data-to': p.labels[j],
      },
      v === null ? '–' : pct(v, 1),
    );
  };
  return h(
    'div',
    { class: 'scroll-x' },
    h(
      'table',
      { class: 'compact crosstab heatmap', testid: 'profile-heatmap' },
      h('thead', {}, h('tr', {}, h('th', {}, 'from ↓ / to →'), p.labels.map((l) => h('th', { class: 'num' }, l)), h('th', { class: 'num' }, 'Expected duration'))),
      h(
        'tbody',
        {},
        p.labels.map((l, i) =>
          h(
            'tr',
            { testid: 'profile-heat-row' },
            h('th', {}, h('span', { class: 'swatch', style: `background:${color(i)}` }), l),
            p.labels.map((_, j) => cell(p.transitions[i]?.[j] ?? null, i, j, p.transition_counts[i]?.[j] ?? null)),
            h('td', { class: 'num', testid: 'profile-duration' }, p.expected_durations[i] === null ? '–' : fmt(p.expected_durations[i], 1)),
          ),
        ),
      ),
    ),
  );
}

/** Horizontal bars of each regime's annualised mean return and volatility for one asset. */
function bars(p: RegimeProfile, asset: string): SVGSVGElement {
  const rows = p.labels.map((l) => p.assets.find((a) => a.asset === asset && a.regime === l));
  const W = 720;
  const rowH = 26;
  const top = 24;
  const left = 150;
  const mid = 30;
  const half = (W - left - mid) / 2;
  const H = top + rows.length * rowH + 10;
  const maxMean = Math.max(1e-9, ...rows.map((r) => Math.abs(r?.annual_mean ?? 0)));
  const maxVol = Math.max(1e-9, ...rows.map((r) => r?.annual_volatility ?? 0));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'bars', role: 'img', 'aria-label': `${asset}: annualised return and volatility by regime` });
  svg.setAttribute('data-testid', 'profile-bars');
  const zero = left + half / 2;
  svg.append(s('text', { x: left, y: 14, class: 'axis-title' }, `${asset}: annualised mean return`));
  svg.append(s('text', { x: left + half + mid, y: 14, class: 'axis-title' }, 'annualised volatility'));
  svg.append(s('line', { x1: zero, x2: zero, y1: top - 4, y2: H - 6, class: 'zero' }));
  rows.forEach((r, i) => {
    const y = top + i * rowH;
    svg.append(s('text', { x: 8, y: y + rowH / 2 + 4, class: 'name' }, p.labels[i]));
    if (!r) return;
    const m = r.annual_mean ?? 0;
    const w = (Math.abs(m) / maxMean) * (half / 2 - 4);
    svg.append(s('rect', { x: m >= 0 ? zero : zero - w, y: y + 5, width: Math.max(1, w), height: rowH - 10, fill: m >= 0 ? '#3b9a5b' : '#c23b3b' }));
    svg.append(s('text', { x: m >= 0 ? zero - 4 : zero + 4, y: y + rowH / 2 + 4, class: 'tick', 'text-anchor': m >= 0 ? 'end' : 'start' }, pct(r.annual_mean)));
    const v = r.annual_volatility ?? 0;
    const vw = (v / maxVol) * (half - 60);
    svg.append(s('rect', { x: left + half + mid, y: y + 5, width: Math.max(1, vw), height: rowH - 10, fill: color(i) }));
    svg.append(s('text', { x: left + half + mid + vw + 4, y: y + rowH / 2 + 4, class: 'tick' }, pct(r.annual_volatility)));
  });
  return svg;
}

function returnsTable(p: RegimeProfile): HTMLElement {
  return h(
    'div',
    { class: 'scroll-x' },
    h(
      'table',
      { class: 'compact', testid: 'profile-returns' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Asset', 'Regime', 'Days', 'Annual mean', 'Annual vol', 'Sharpe', 'Worst day', 'on'].map((c, i) => h('th', { class: i > 1 && i < 7 ? 'num' : '' }, c)),
        ),
      ),
      h(
        'tbody',
        {},
        p.assets.map((a) =>
          h(
            'tr',
            { testid: 'profile-return-row', 'data-asset': a.asset, 'data-regime': a.regime },
            h('td', {}, a.asset),
            h('td', {}, a.regime),
            h('td', { class: 'num' }, String(a.days)),
            h('td', { class: 'num', testid: 'profile-mean' }, pct(a.annual_mean)),
            h('td', { class: 'num', testid: 'profile-vol' }, pct(a.annual_volatility)),
            h('td', { class: 'num', testid: 'profile-sharpe' }, fmt(a.sharpe, 2)),
            h('td', { class: 'num' }, pct(a.worst_day)),
            h('td', {}, a.days ? a.worst_date : '–'),
          ),
        ),
      ),
    ),
  );
}

/**
 * Loads and draws a profile into `el` (an error box when the server refuses it): a regime
 * version's, or with `load` another source's (the classifier's named history).
 */
export async function showProfile(
  el: HTMLElement,
  version: string,
  assets: string,
  signal: AbortSignal,
  load: (signal: AbortSignal) => Promise<RegimeProfile> = (sg) => api.regimeProfile(version, assets, sg),
): Promise<void> {
  clear(el, loading(`Loading ${version}'s regime statistics…`, 'profile-loading'));
  let p: RegimeProfile;
  try {
    p = await load(signal);
  } catch (e) {
    if (isAbort(e)) throw e;
    clear(el, errorBox(e, `compute ${version}'s regime statistics`, 'profile-error'));
    return;
  }
  const first = p.assets[0]?.asset;
  clear(
    el,
    h('p', { class: 'muted small' }, `${version} (${p.kind}), ${p.first} – ${p.last}. `, p.notes.join('; '), '.'),
    h('h3', {}, 'Transitions between regimes and expected durations (in the version’s periods)'),
    heatmap(p),
    first ? h('h3', {}, 'Returns and volatility by regime') : null,
    first ? h('div', { class: 'forest-wrap' }, bars(p, first)) : null,
    returnsTable(p),
  );
  el.dataset.ready = 'true';
}
