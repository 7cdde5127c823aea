// Issue 17 on the effects page: whether a treatment is an identified shock (a badge, with the
// identification in words), and the stored studies: the announcement-day event study as a
// scatter of the surprise against the outcome's response with the fitted line, and the local
// projection as the response against the horizon with its 95% band.
import { api, type StudyDetail, type StudyInfo } from '../api';
import { clear, empty, errorBox, fmt, h, isAbort, labeled, loading, pretty, pvalue, select } from '../ui';
import { s, ticks } from './effects_charts';

function padded(values: number[]): [number, number] {
  const finite = values.filter(Number.isFinite);
  let lo = Math.min(0, ...finite);
  let hi = Math.max(0, ...finite);
  const pad = (hi - lo) * 0.08 || 1;
  lo -= pad;
  hi += pad;
  return [lo, hi];
}

/** "Identified shock" or "Not an identified shock", with the identification as its text. */
export function identificationBadge(identified: boolean, identification: string, testid = 'effects-identification'): HTMLElement {
  return h(
    'p',
    { class: 'identification', testid, 'data-identified': String(identified) },
    h('span', { class: `badge ${identified ? 'ok' : 'warn'}` }, identified ? 'Identified shock' : 'Not an identified shock'),
    ' ',
    h('span', { class: 'muted small' }, identification),
  );
}

/** The event study: one point per announcement day (surprise, response) and the OLS line. */
export function eventScatter(e: NonNullable<StudyDetail['event_study']>): SVGSVGElement {
  const W = 760;
  const H = 320;
  const left = 80;
  const right = 20;
  const top = 20;
  const bottom = 44;
  const xs = e.scatter.map((p) => p[1]);
  const ys = e.scatter.map((p) => p[2]);
  const [x0, x1] = padded(xs);
  const [y0, y1] = padded(ys);
  const x = (v: number) => left + ((v - x0) / (x1 - x0)) * (W - left - right);
  const y = (v: number) => top + ((y1 - v) / (y1 - y0)) * (H - top - bottom);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'forest', role: 'img', 'aria-label': 'Event study: response against surprise' });
  svg.setAttribute('data-testid', 'study-scatter');
  svg.setAttribute('data-points', String(e.scatter.length));
  for (const t of ticks(y0, y1)) {
    svg.append(s('line', { x1: left, x2: W - right, y1: y(t), y2: y(t), class: 'grid' }));
    svg.append(s('text', { x: left - 6, y: y(t) + 4, class: 'tick', 'text-anchor': 'end' }, fmt(t, 3)));
  }
  for (const t of ticks(x0, x1)) svg.append(s('text', { x: x(t), y: H - bottom + 18, class: 'tick', 'text-anchor': 'middle' }, fmt(t, 3)));
  svg.append(s('line', { x1: left, x2: W - right, y1: y(0), y2: y(0), class: 'zero' }));
  svg.append(s('line', { x1: x(0), x2: x(0), y1: top, y2: H - bottom, class: 'zero' }));
  svg.append(s('text', { x: (left + W - right) / 2, y: H - 6, class: 'axis-title', 'text-anchor': 'middle' }, `${pretty(e.treatment)} (surprise)`));
  svg.append(s('text', { x: 12, y: top - 6, class: 'axis-title' }, `${e.outcome}: ${e.response}`));
  for (const [date, sx, sy] of e.scatter) {
    if (!Number.isFinite(sx) || !Number.isFinite(sy)) continue;
    const c = s('circle', { cx: x(sx), cy: y(sy), r: 3, fill: '#2f6fb3', 'fill-opacity': 0.55 });
    c.setAttribute('data-testid', 'study-scatter-point');
    c.setAttribute('data-date', date);
    c.setAttribute('data-x', String(sx));
    c.setAttribute('data-y', String(sy));
    c.append(s('title', {}, `${date}: surprise ${sx}, response ${sy}`));
    svg.append(c);
  }
  const line = s('line', {
    x1: x(x0),
    x2: x(x1),
    y1: y(e.intercept + e.effect * x0),
    y2: y(e.intercept + e.effect * x1),
    stroke: '#c2410c',
    'stroke-width': 2,
  });
  line.setAttribute('data-testid', 'study-fit-line');
  line.setAttribute('data-slope', String(e.effect));
  line.setAttribute('data-intercept', String(e.intercept));
  svg.append(line);
  return svg;
}

/** The local projection: the response at each horizon, its 95% band, zero dashed. */
export function impulseChart(r: NonNullable<StudyDetail['impulse_response']>): SVGSVGElement {
  const pts = [...r.horizons].sort((a, b) => a.horizon_months - b.horizon_months);
  const W = 760;
  const H = 260;
  const left = 80;
  const right = 20;
  const top = 20;
  const bottom = 40;
  const [lo, hi] = padded(pts.flatMap((p) => [p.effect, p.confidence_interval[0], p.confidence_interval[1]]));
  const hs = pts.map((p) => p.horizon_months);
  const h0 = Math.min(...hs);
  const h1 = Math.max(...hs);
  const x = (v: number) => (h1 === h0 ? (left + W - right) / 2 : left + ((v - h0) / (h1 - h0)) * (W - left - right));
  const y = (v: number) => top + ((hi - v) / (hi - lo)) * (H - top - bottom);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'horizon forest', role: 'img', 'aria-label': 'Impulse response with 95% band' });
  svg.setAttribute('data-testid', 'study-irf');
  svg.setAttribute('data-points', String(pts.length));
  for (const t of ticks(lo, hi)) {
    svg.append(s('line', { x1: left, x2: W - right, y1: y(t), y2: y(t), class: 'grid' }));
    svg.append(s('text', { x: left - 6, y: y(t) + 4, class: 'tick', 'text-anchor': 'end' }, fmt(t, 3)));
  }
  svg.append(s('line', { x1: left, x2: W - right, y1: y(0), y2: y(0), class: 'zero' }));
  for (const hz of hs) svg.append(s('text', { x: x(hz), y: H - bottom + 18, class: 'tick', 'text-anchor': 'middle' }, String(hz)));
  svg.append(s('text', { x: (left + W - right) / 2, y: H - 6, class: 'axis-title', 'text-anchor': 'middle' }, 'horizon (months)'));
  const ok = pts.filter((p) => Number.isFinite(p.confidence_interval[0]) && Number.isFinite(p.confidence_interval[1]));
  if (ok.length > 1) {
    const upper = ok.map((p) => `${x(p.horizon_months)},${y(p.confidence_interval[1])}`);
    const lower = ok.map((p) => `${x(p.horizon_months)},${y(p.confidence_interval[0])}`).reverse();
    svg.append(s('polygon', { points: [...upper, ...lower].join(' '), fill: '#2f6fb3', 'fill-opacity': 0.18, stroke: 'none' }));
  }
  svg.append(s('polyline', { points: pts.map((p) => `${x(p.horizon_months)},${y(p.effect)}`).join(' '), fill: 'none', stroke: '#2f6fb3', 'stroke-width': 2 }));
  for (const p of pts) {
    const c = s('circle', { cx: x(p.horizon_months), cy: y(p.effect), r: 3.5, fill: '#2f6fb3' });
    c.setAttribute('data-testid', 'study-irf-point');
    c.setAttribute('data-horizon', String(p.horizon_months));
    c.setAttribute('data-effect', String(p.effect));
    c.setAttribute('data-lo', String(p.confidence_interval[0]));
    c.setAttribute('data-hi', String(p.confidence_interval[1]));
    c.append(s('title', {}, `${p.horizon_months} months: ${p.effect} [${p.confidence_interval[0]}, ${p.confidence_interval[1]}], p ${pvalue(p.p_value)}`));
    svg.append(c);
  }
  return svg;
}

function drawStudy(d: StudyDetail): HTMLElement[] {
  if (d.event_study) {
    const e = d.event_study;
    return [
      identificationBadge(e.identified, e.identification, 'study-identification'),
      h('div', { class: 'forest-wrap' }, eventScatter(e)),
      h(
        'p',
        { class: 'small', testid: 'study-summary' },
        `${e.events} announcement days; slope ${fmt(e.effect, 4)} [${fmt(e.confidence_interval[0], 4)}, ${fmt(e.confidence_interval[1], 4)}] (95%, Newey-West p ${pvalue(e.p_value_hac)}); per ${e.per_unit}: ${fmt(e.effect_per_unit, 4)}.`,
      ),
      h('p', { class: 'muted small' }, d.explanation),
    ];
  }
  const r = d.impulse_response!;
  return [
    identificationBadge(r.identified, r.identification, 'study-identification'),
    h('div', { class: 'forest-wrap' }, impulseChart(r)),
    h('p', { class: 'small', testid: 'study-summary' }, `${r.response}; ${r.inference}; per ${r.per_unit}.`),
    h('p', { class: 'muted small' }, d.explanation),
  ];
}

/** A card listing the stored studies with a picker; draws the chosen one. */
export function studiesCard(signal: AbortSignal, wanted: string | null): HTMLElement {
  const card = h('article', { class: 'card wide', testid: 'effects-studies' }, h('h2', {}, 'Stored studies: event study and local projection'));
  const controls = h('div', { class: 'controls' }, loading('Loading stored studies…', 'studies-loading'));
  const body = h('div', {});
  card.append(controls, body);
  void (async () => {
    let list: StudyInfo[];
    try {
      list = await api.studies(signal);
    } catch (e) {
      if (isAbort(e)) return;
      clear(controls, errorBox(e, 'list the stored studies', 'studies-error'));
      return;
    }
    if (!list.length) {
      clear(controls, empty('No stored studies. `mre run` stores one of each; or `mre effects event --store auto`.', 'studies-empty'));
      return;
    }
    const names = list.map((st) => st.version);
    const sel = select(
      list.map((st) => [st.version, `${st.kind === 'event' ? 'Event study' : 'Local projection'}: ${pretty(st.treatment)} → ${st.outcome} (${st.version})`] as [string, string]),
      wanted && names.includes(wanted) ? wanted : names[0],
      { testid: 'study-version' },
    );
    const show = async () => {
      clear(body, loading(`Loading ${sel.value}…`, 'study-loading'));
      try {
        const d = await api.study(sel.value, signal);
        clear(body, ...drawStudy(d));
      } catch (e) {
        if (isAbort(e)) return;
        clear(body, errorBox(e, `load study ${sel.value}`, 'study-error'));
      }
    };
    sel.addEventListener('change', () => void show());
    clear(controls, labeled('Study', sel));
    await show();
  })();
  return card;
}
