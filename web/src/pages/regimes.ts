// Regime history: a version's filtered probabilities stacked over time, NBER recessions (USREC)
// shaded, and a second version side by side with a cross-tabulation of their regimes.
import { api, ApiError, type RegimeData, type RegimeVersion } from '../api';
import { indicatorIntervals, stackedChart } from '../charts';
import { namedHistory, PRICE_TICKER } from './regime_named';
import { showProfile } from './regime_profile';
import type { Page, Scope } from '../router';
import { clear, color, dateToSec, empty, errorBox, fmt, h, isAbort, labeled, loading, pct, select } from '../ui';

function probsByLabel(d: RegimeData): number[][] {
  return d.labels.map((l) => d.regimes.map((r) => r.probabilities?.[l] ?? 0));
}

function shareTable(d: RegimeData): HTMLElement {
  const counts = new Map<string, number>();
  for (const r of d.regimes) counts.set(r.regime, (counts.get(r.regime) ?? 0) + 1);
  const last = d.regimes[d.regimes.length - 1];
  return h(
    'div',
    { class: 'summary' },
    h(
      'p',
      { class: 'muted small' },
      `${d.regimes.length} rows, ${d.regimes[0].date} to ${last.date}. Latest: `,
      h('strong', {}, last.regime),
      ` (score ${pct(last.score)}).`,
    ),
    h(
      'table',
      { class: 'compact' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Regime'), h('th', { class: 'num' }, 'Share of rows'))),
      h(
        'tbody',
        {},
        d.labels.map((l, i) =>
          h(
            'tr',
            {},
            h('td', {}, h('span', { class: 'swatch', style: `background:${color(i)}` }), l),
            h('td', { class: 'num' }, pct((counts.get(l) ?? 0) / d.regimes.length)),
          ),
        ),
      ),
    ),
  );
}

/** Month-by-month cross-tabulation of two versions' regimes (last row of each month). */
function crossTab(a: RegimeData, b: RegimeData): HTMLElement {
  const monthly = (d: RegimeData) => {
    const m = new Map<string, string>();
    for (const r of d.regimes) m.set(r.date.slice(0, 7), r.regime);
    return m;
  };
  const ma = monthly(a);
  const mb = monthly(b);
  const counts = new Map<string, number>();
  let n = 0;
  for (const [month, ra] of ma) {
    const rb = mb.get(month);
    if (rb === undefined) continue;
    counts.set(`${ra}\u0000${rb}`, (counts.get(`${ra}\u0000${rb}`) ?? 0) + 1);
    n++;
  }
  if (!n) return empty('The two versions have no month in common.', 'regime-crosstab-empty');
  return h(
    'div',
    { testid: 'regime-crosstab' },
    h('p', { class: 'muted small' }, `${n} months in common; each cell counts months where ${a.version} (rows) and ${b.version} (columns) said those regimes.`),
    h(
      'div',
      { class: 'scroll-x' },
      h(
        'table',
        { class: 'compact crosstab' },
        h('thead', {}, h('tr', {}, h('th', {}, ''), b.labels.map((l) => h('th', { class: 'num' }, l)))),
        h(
          'tbody',
          {},
          a.labels.map((la) => {
            const row = b.labels.map((lb) => counts.get(`${la}\u0000${lb}`) ?? 0);
            const max = Math.max(...row);
            return h(
              'tr',
              {},
              h('th', {}, la),
              row.map((c) => h('td', { class: c && c === max ? 'num hot' : 'num' }, c || '·')),
            );
          }),
        ),
      ),
    ),
  );
}

interface SideStats {
  version: string;
  labels: string[];
  counts?: number[];
  mean_durations?: number[];
  transitions?: number[][];
  conditional_returns?: Record<string, Record<string, { annual_mean: number; annual_volatility: number; periods: number }>>;
}

interface Comparison {
  common_dates: number;
  first?: string;
  last?: string;
  agreement_same_label?: number;
  agreement_matched?: number;
  matching?: [string, string][];
  confusion: number[][];
  periods_per_year?: number;
  a: SideStats;
  b: SideStats;
}

function isComparison(v: unknown): v is Comparison {
  const c = v as Comparison;
  return !!c && typeof c === 'object' && Array.isArray(c.confusion) && !!c.a?.labels && !!c.b?.labels;
}

function confusionTable(c: Comparison): HTMLElement {
  return h(
    'div',
    { class: 'scroll-x' },
    h(
      'table',
      { class: 'compact crosstab', testid: 'regime-confusion' },
      h('thead', {}, h('tr', {}, h('th', {}, `${c.a.version} ↓ / ${c.b.version} →`), c.b.labels.map((l) => h('th', { class: 'num' }, l)))),
      h(
        'tbody',
        {},
        c.a.labels.map((la, i) => {
          const row = c.confusion[i] ?? [];
          const max = Math.max(0, ...row);
          return h('tr', {}, h('th', {}, la), c.b.labels.map((_, j) => h('td', { class: row[j] && row[j] === max ? 'num hot' : 'num' }, row[j] ? String(Math.round(row[j])) : '·')));
        }),
      ),
    ),
  );
}

function sideTable(s: SideStats, periodsPerYear?: number): HTMLElement {
  const total = (s.counts ?? []).reduce((x, y) => x + y, 0);
  const assets = [...new Set(Object.values(s.conditional_returns ?? {}).flatMap((r) => Object.keys(r)))].sort();
  const unit = periodsPerYear === 12 ? 'months' : periodsPerYear === 252 ? 'days' : 'periods';
  return h(
    'div',
    { class: 'scroll-x' },
    h('h3', {}, s.version),
    h(
      'table',
      { class: 'compact', testid: 'regime-compare-side' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          h('th', {}, 'Regime'),
          h('th', { class: 'num' }, 'Share'),
          h('th', { class: 'num' }, `Mean spell (${unit})`),
          h('th', { class: 'num' }, 'Stays'),
          assets.map((a) => h('th', { class: 'num', title: 'annualised mean return (volatility)' }, `${a} return (vol)`)),
        ),
      ),
      h(
        'tbody',
        {},
        s.labels.map((l, i) => {
          const r = s.conditional_returns?.[l] ?? {};
          return h(
            'tr',
            {},
            h('td', {}, l),
            h('td', { class: 'num' }, total ? pct((s.counts?.[i] ?? 0) / total) : '–'),
            h('td', { class: 'num' }, fmt(s.mean_durations?.[i], 1)),
            h('td', { class: 'num' }, s.transitions?.[i] ? pct(s.transitions[i][i]) : '–'),
            assets.map((a) => h('td', { class: 'num' }, r[a] ? `${pct(r[a].annual_mean)} (${pct(r[a].annual_volatility)})` : '–')),
          );
        }),
      ),
    ),
  );
}

function serverComparison(c: Comparison): HTMLElement {
  return h(
    'div',
    { testid: 'regime-compare-server' },
    h(
      'p',
      {},
      `${c.common_dates} dates in common${c.first ? `, ${c.first} – ${c.last}` : ''}. `,
      c.agreement_same_label !== undefined ? ['Same label: ', h('strong', {}, pct(c.agreement_same_label)), '. '] : null,
      c.agreement_matched !== undefined ? ['After matching labels one to one: ', h('strong', { testid: 'regime-agreement' }, pct(c.agreement_matched)), '.'] : null,
    ),
    c.matching?.length ? h('p', { class: 'muted small' }, 'Matching: ', c.matching.map(([x, y]) => `${x} ↔ ${y}`).join(', ')) : null,
    h('h3', {}, 'Dates by regime in each version'),
    confusionTable(c),
    sideTable(c.a, c.periods_per_year),
    sideTable(c.b, c.periods_per_year),
    h('p', { class: 'muted small' }, 'Share: of the common dates; stays: the probability of the same regime next period; returns annualised, over the dates in that regime.'),
  );
}

/** The server's comparison in a shape this dashboard does not know: scalars as a list, objects nested. */
function renderJson(v: unknown, depth = 0): HTMLElement {
  if (v === null || typeof v !== 'object') return h('span', {}, typeof v === 'number' ? String(Math.round(v * 1e4) / 1e4) : String(v));
  if (Array.isArray(v)) {
    if (v.length && v.every((x) => x && typeof x === 'object' && !Array.isArray(x))) {
      const keys = [...new Set(v.flatMap((x) => Object.keys(x as object)))];
      return h(
        'div',
        { class: 'scroll-x' },
        h(
          'table',
          { class: 'compact' },
          h('thead', {}, h('tr', {}, keys.map((k) => h('th', {}, k)))),
          h('tbody', {}, v.slice(0, 200).map((x) => h('tr', {}, keys.map((k) => h('td', {}, renderJson((x as Record<string, unknown>)[k], depth + 1)))))),
        ),
      );
    }
    return h('span', {}, v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', '));
  }
  if (depth > 3) return h('code', {}, JSON.stringify(v));
  return h(
    'dl',
    { class: 'kv' },
    Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => [h('dt', {}, k), h('dd', {}, renderJson(x, depth + 1))]),
  );
}

async function render(root: HTMLElement, scope: Scope): Promise<void> {
  root.append(
    h('h1', { testid: 'page-title' }, 'Regime history'),
    h('p', { class: 'subtitle' }, 'The named regime history over the S&P 500, then any regime version’s filtered probabilities with its regime statistics; shaded: NBER recessions (USREC).'),
  );
  const named = h('article', { class: 'card wide', testid: 'regime-named' }, loading('Loading the named regime history…'));
  const controls = h('form', { class: 'controls', testid: 'regime-controls' }, loading('Loading regime versions…'));
  const body = h('div', {});
  root.append(named, h('h2', {}, 'Regime versions'), controls, body);

  let versions: RegimeVersion[];
  try {
    versions = await api.regimes(scope.signal);
  } catch (e) {
    if (isAbort(e)) throw e;
    clear(controls, errorBox(e, 'list the regime versions'));
    await namedHistory(named, scope, []);
    scope.ready();
    return;
  }
  const namedDone = namedHistory(named, scope, versions);
  if (!versions.length) {
    clear(controls, empty('No regime versions in this store. Fit one with `mre regimes fit`.'));
    scope.ready();
    return;
  }
  const names = versions.map((v) => v.version);
  const describe = (v: RegimeVersion) => `${v.version} (${v.kind}, ${v.labels.length} regimes, ${v.first} – ${v.last})`;
  const p = scope.params;
  // The default: a named backfill, else a fitted model (the rules version is the jaggedest).
  const preferred = versions.find((v) => v.kind === 'classifier_backfill') ?? versions.find((v) => v.kind !== 'rules') ?? versions[0];
  const a0 = names.includes(p.get('v') ?? '') ? p.get('v')! : preferred.version;
  const b0 = names.includes(p.get('b') ?? '') ? p.get('b')! : '';
  const va = select(versions.map((v) => [v.version, describe(v)] as [string, string]), a0, { testid: 'regime-version' });
  const vb = select([['', '— none —'], ...versions.map((v) => [v.version, describe(v)] as [string, string])], b0, { testid: 'regime-compare-version' });
  const from = h('input', { type: 'date', value: p.get('from') ?? '', testid: 'regime-from' });
  const to = h('input', { type: 'date', value: p.get('to') ?? '', testid: 'regime-to' });
  clear(
    controls,
    labeled('Version', va),
    labeled('Compare with', vb),
    labeled('From', from),
    labeled('To', to),
    h('button', { type: 'submit', testid: 'regime-show' }, 'Show'),
  );

  let run: AbortController | null = null;
  let cleanups: (() => void)[] = [];
  const localScope = (signal: AbortSignal): Scope => ({ ...scope, signal, onCleanup: (fn) => cleanups.push(fn) });
  scope.onCleanup(() => cleanups.forEach((fn) => fn()));

  const show = async () => {
    run?.abort();
    cleanups.forEach((fn) => fn());
    cleanups = [];
    const ctl = new AbortController();
    run = ctl;
    scope.signal.addEventListener('abort', () => ctl.abort());
    const s = localScope(ctl.signal);
    const a = va.value;
    const b = vb.value && vb.value !== a ? vb.value : '';
    const range = { from: from.value || undefined, to: to.value || undefined };
    scope.setParams({ v: a, b, from: range.from, to: range.to });
    clear(body, loading('Loading regimes…', 'regime-loading'));
    try {
      const [da, db, rec] = await Promise.all([
        api.regimeData(a, range, ctl.signal),
        b ? api.regimeData(b, range, ctl.signal) : Promise.resolve(null),
        api.seriesData('USREC', range, ctl.signal).catch((e) => {
          if (isAbort(e)) throw e;
          return e as Error;
        }),
      ]);
      const shade = rec instanceof Error ? [] : indicatorIntervals(rec.observations);
      const recNote =
        rec instanceof Error
          ? h('p', { class: 'muted small', testid: 'regime-recession-note' }, `No recession shading: ${rec.message}`)
          : h('p', { class: 'muted small legend-line' }, h('span', { class: 'swatch shade' }), 'NBER recession (USREC)');
      const all = [da, db].filter((d): d is RegimeData => !!d && d.regimes.length > 0);
      if (!all.length) {
        clear(body, empty('No regime rows in this date range.', 'regime-empty'));
        return;
      }
      const lo = Math.min(...all.map((d) => dateToSec(d.regimes[0].date)));
      const hi = Math.max(...all.map((d) => dateToSec(d.regimes[d.regimes.length - 1].date)));
      const panel = (d: RegimeData | null, version: string, testid: string) => {
        const el = h('div', { class: 'panel', testid: `${testid}-panel` }, h('h2', {}, version));
        if (!d || !d.regimes.length) {
          el.append(empty(`${version} has no rows in this date range.`));
          return { el, draw: () => {} };
        }
        const chart = h('div', { class: 'chart', testid });
        el.append(chart, shareTable(d));
        return {
          el,
          draw: () =>
            stackedChart(chart, s, {
              dates: d.regimes.map((r) => r.date),
              labels: d.labels,
              probs: probsByLabel(d),
              shade,
              xRange: [lo, hi],
              height: b ? 260 : 340,
            }),
        };
      };
      if (!b) {
        const pa = panel(da, a, 'regime-chart');
        const profile = h('div', { testid: 'regime-profile' });
        clear(body, recNote, pa.el, h('article', { class: 'card wide' }, h('h2', {}, `Regime statistics of ${a}`), profile));
        pa.draw();
        await showProfile(profile, a, PRICE_TICKER, ctl.signal);
      } else {
        const pa = panel(da, a, 'regime-chart-a');
        const pb = panel(db, b, 'regime-chart-b');
        const cmp = h('div', { testid: 'regime-compare' }, loading('Comparing…'));
        clear(
          body,
          recNote,
          h('div', { class: 'side-by-side' }, pa.el, pb.el),
          h('article', { class: 'card wide' }, h('h2', {}, `Comparison: ${a} vs ${b}`), cmp),
        );
        pa.draw();
        pb.draw();
        const local = () => da.regimes.length && db && db.regimes.length ? crossTab(da, db!) : empty('Nothing to compare in this range.');
        try {
          const server = await api.compareRegimes(a, b, ctl.signal);
          clear(cmp, isComparison(server) ? serverComparison(server) : h('div', { testid: 'regime-compare-server' }, renderJson(server)));
        } catch (e) {
          if (isAbort(e)) throw e;
          const missing = e instanceof ApiError && e.status === 404 && /compare/.test(e.message + e.path) && /no such endpoint|no regime version 'compare'/.test(e.message);
          clear(
            cmp,
            local(),
            missing
              ? h('p', { class: 'muted small', testid: 'regime-compare-missing' }, 'This mre server does not offer /api/regimes/compare yet; the table above is computed in the browser.')
              : errorBox(e, 'load the server’s comparison'),
          );
        }
      }
    } catch (e) {
      if (isAbort(e)) return;
      clear(body, errorBox(e, 'load the regimes', 'regime-error'));
    }
  };

  controls.addEventListener('submit', (e) => {
    e.preventDefault();
    void show();
  });
  va.addEventListener('change', () => void show());
  vb.addEventListener('change', () => void show());
  await Promise.all([show(), namedDone]);
  scope.ready();
}

export const regimesPage: Page = { path: 'regimes', title: 'Regime history', render };
