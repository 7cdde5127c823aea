// The named regime history (issue 22), the regime page's default view: the classifier's label
// probabilities (GET /api/classification/history) or a stored walk-forward backfill (a regime
// version of kind classifier_backfill), under the S&P 500 on a log scale, NBER recessions shaded
// on both, the named regime of each day as a ribbon along the price chart.
import { api, ApiError, type ClassifierHistory, type RegimeData, type RegimeVersion } from '../api';
import { indicatorIntervals, labelRuns, logPriceChart, stackedChart } from '../charts';
import type { Scope } from '../router';
import { clear, color, dateToSec, empty, errorBox, h, isAbort, labeled, loading, pct, select } from '../ui';
import { showProfile } from './regime_profile';

export const PRICE_TICKER = '^GSPC';

function shares(d: RegimeData): HTMLElement {
  const counts = new Map<string, number>();
  for (const r of d.regimes) counts.set(r.regime, (counts.get(r.regime) ?? 0) + 1);
  const last = d.regimes[d.regimes.length - 1];
  return h(
    'div',
    { class: 'summary' },
    h(
      'p',
      { class: 'muted small', testid: 'regime-named-latest' },
      `${d.regimes.length} days, ${d.regimes[0].date} to ${last.date}. Latest: `,
      h('strong', { testid: 'regime-named-latest-label' }, last.regime),
      ' (',
      h('span', { testid: 'regime-named-latest-score' }, pct(last.score)),
      ').',
    ),
    h(
      'table',
      { class: 'compact', testid: 'regime-named-shares' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Regime'), h('th', { class: 'num' }, 'Share of days'))),
      h(
        'tbody',
        {},
        d.labels.map((l, i) =>
          h(
            'tr',
            { 'data-label': l },
            h('td', {}, h('span', { class: 'swatch', style: `background:${color(i)}` }), l),
            h('td', { class: 'num', testid: 'regime-named-share' }, pct((counts.get(l) ?? 0) / d.regimes.length)),
          ),
        ),
      ),
    ),
  );
}

/** Draws the named history into `el`; `versions` offers stored backfills beside the classifier. */
export async function namedHistory(el: HTMLElement, scope: Scope, versions: RegimeVersion[]): Promise<void> {
  const backfills = versions.filter((v) => v.kind === 'classifier_backfill');
  const sources: [string, string][] = [
    ['', 'classifier (newest version): filtered in-sample'],
    ...backfills.map((v) => [v.version, `${v.version}: walk-forward backfill, as known then`] as [string, string]),
  ];
  const wanted = scope.params.get('named') ?? '';
  const src = select(sources, sources.some(([v]) => v === wanted) ? wanted : '', { testid: 'regime-named-source' });
  const head = h('div', { class: 'card-head' }, h('h2', {}, 'Named regime history'), labeled('Source', src));
  const body = h('div', {});
  clear(el, head, body);
  let cleanups: (() => void)[] = [];
  let run: AbortController | null = null;
  scope.onCleanup(() => cleanups.forEach((fn) => fn()));

  const show = async () => {
    run?.abort();
    cleanups.forEach((fn) => fn());
    cleanups = [];
    const ctl = new AbortController();
    run = ctl;
    scope.signal.addEventListener('abort', () => ctl.abort(), { once: true });
    const local: Scope = { ...scope, signal: ctl.signal, onCleanup: (fn) => cleanups.push(fn) };
    el.dataset.ready = 'false';
    clear(body, loading('Loading the named regime history…', 'regime-named-loading'));
    try {
      const data: RegimeData | ClassifierHistory = src.value ? await api.regimeData(src.value, {}, ctl.signal) : await api.classifierHistory({}, ctl.signal);
      if (!data.regimes.length) {
        clear(body, empty('The named history has no rows.', 'regime-named-empty'));
        return;
      }
      const first = data.regimes[0].date;
      const lastDate = data.regimes[data.regimes.length - 1].date;
      const [price, rec] = await Promise.all(
        [PRICE_TICKER, 'USREC'].map((t) =>
          api.seriesData(t, { from: first, to: lastDate }, ctl.signal).catch((e) => {
            if (isAbort(e)) throw e;
            return e as Error;
          }),
        ),
      );
      const shade = rec instanceof Error ? [] : indicatorIntervals(rec.observations);
      const dates = data.regimes.map((r) => r.date);
      const runs = labelRuns(
        dates,
        data.regimes.map((r) => r.regime),
      );
      const xRange: [number, number] = [dateToSec(first), dateToSec(lastDate)];
      const history = data as ClassifierHistory;
      const note =
        'approved' in data
          ? h(
              'p',
              { class: 'muted small', testid: 'regime-named-note' },
              `Classifier ${data.version} on features ${data.feature_version}: each day's label probabilities filtered forward from the first day. `,
              history.trained_to ? `Days up to ${history.trained_to} are in-sample (the model was fitted on them). ` : '',
              h('span', { class: history.approved ? 'badge ok' : 'badge warn', testid: 'regime-named-signoff' }, history.approved ? 'mapping signed off' : 'mapping NOT signed off'),
            )
          : h('p', { class: 'muted small', testid: 'regime-named-note' }, `Backfill ${data.version}: each day labelled by the classifier retrained on the data before it (as known then).`);
      const priceEl = h('div', { class: 'chart', testid: 'regime-named-price' });
      const probEl = h('div', { class: 'chart', testid: 'regime-named-chart' });
      const profileEl = h('div', { testid: 'regime-named-profile' });
      priceEl.dataset.shaded = String(shade.length);
      priceEl.dataset.runs = String(runs.length);
      clear(
        body,
        note,
        h(
          'p',
          { class: 'muted small legend-line' },
          h('span', { class: 'swatch shade' }),
          rec instanceof Error ? `No recession shading: ${rec.message}. ` : 'NBER recession (USREC). ',
          'Ribbon: the named regime of each day. ',
          data.labels.flatMap((l, i) => [h('span', { class: 'swatch', style: `background:${color(i)}` }), `${l} `]),
        ),
        price instanceof Error ? errorBox(price, `load ${PRICE_TICKER}`, 'regime-named-price-error') : priceEl,
        probEl,
        shares(data),
        h('h3', {}, 'Regime statistics of the named history'),
        profileEl,
      );
      if (!(price instanceof Error)) {
        logPriceChart(priceEl, local, {
          dates: price.observations.map((o) => o.date),
          values: price.observations.map((o) => o.value),
          label: 'S&P 500',
          shade,
          strip: runs.map((r) => ({ from: r.from, to: r.to, color: color(Math.max(0, data.labels.indexOf(r.label))) })),
          xRange,
          height: 300,
        });
      }
      stackedChart(probEl, local, {
        dates,
        labels: data.labels,
        probs: data.labels.map((l) => data.regimes.map((r) => r.probabilities?.[l] ?? 0)),
        shade,
        xRange,
        height: 260,
      });
      await showProfile(profileEl, data.version, PRICE_TICKER, ctl.signal, (sg) =>
        'approved' in data ? api.classifierProfile({ version: data.version, assets: PRICE_TICKER }, sg) : api.regimeProfile(data.version, PRICE_TICKER, sg),
      );
    } catch (e) {
      if (isAbort(e)) return;
      if (e instanceof ApiError && e.status === 404 && /no classifier version in the store/.test(e.message)) {
        clear(body, empty('No classifier in this store yet: train one with `mre classify train` (or `mre run`) to see the named history.', 'regime-named-empty'));
        return;
      }
      clear(body, errorBox(e, 'load the named regime history', 'regime-named-error'));
    } finally {
      if (run === ctl) el.dataset.ready = 'true';
    }
  };
  src.addEventListener('change', () => {
    void show();
  });
  await show();
}
