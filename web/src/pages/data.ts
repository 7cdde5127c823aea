// Data: a series browser. Pick a ticker, a date range and optionally an as-of time (what the
// store knew then); a line chart and a table of the observations.
import { api, type SeriesData, type SeriesFreshness, type SeriesInfo } from '../api';
import { timeLineChart } from '../charts';
import type { Page, Scope } from '../router';
import { clear, empty, errorBox, fmt, h, isAbort, labeled, loading } from '../ui';

const TABLE_ROWS = 500;

/** datetime-local "YYYY-MM-DDTHH:MM[:SS]" read as UTC → ISO 8601 with Z. */
function asOfIso(v: string): string | undefined {
  if (!v) return undefined;
  return v.length === 16 ? `${v}:00Z` : `${v}Z`;
}

function table(d: SeriesData): HTMLElement {
  const obs = d.observations;
  const shown = obs.slice(-TABLE_ROWS).reverse();
  return h(
    'div',
    {},
    obs.length > TABLE_ROWS
      ? h('p', { class: 'muted small' }, `Showing the latest ${TABLE_ROWS} of ${obs.length} observations; narrow the dates to see earlier ones.`)
      : null,
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'compact', testid: 'data-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Date'), h('th', { class: 'num' }, 'Value'))),
        h(
          'tbody',
          {},
          shown.map((o) => h('tr', {}, h('td', {}, o.date), h('td', { class: 'num' }, o.value === null ? '–' : fmt(o.value, 6)))),
        ),
      ),
    ),
  );
}

/** Issue 22: every stored series' last date, age and status by the universe's one staleness rule. */
function freshnessTable(list: SeriesFreshness[]): HTMLElement {
  const stale = list.filter((s) => s.stale).length;
  const status = (s: SeriesFreshness) => (s.ended ? ['ended', `ended ${s.ended}`] : !s.in_universe ? ['ended', 'not in universe'] : s.stale ? ['warn', 'stale'] : ['ok', 'fresh']);
  return h(
    'div',
    {},
    h('p', { class: 'muted small', testid: 'freshness-summary' }, `${stale} of ${list.length} series stale today (UTC): older than one period of their frequency plus their publication lag plus their grace (config/universe.yml); ended series are never stale.`),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'compact', testid: 'freshness-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Ticker'), h('th', {}, 'Class'), h('th', {}, 'Frequency'), h('th', {}, 'Last'), h('th', { class: 'num' }, 'Age (days)'), h('th', { class: 'num' }, 'Allowed'), h('th', {}, 'Status'))),
        h(
          'tbody',
          {},
          [...list]
            .sort((a, b) => Number(b.stale) - Number(a.stale) || b.age_days - a.age_days)
            .map((s) => {
              const [cls, text] = status(s);
              return h(
                'tr',
                { testid: 'freshness-row', 'data-ticker': s.ticker },
                h('td', {}, s.ticker),
                h('td', {}, s.asset_class),
                h('td', {}, s.frequency || '–'),
                h('td', {}, s.last),
                h('td', { class: 'num', testid: 'freshness-age' }, String(s.age_days)),
                h('td', { class: 'num' }, s.in_universe ? String(s.allowance_days) : '–'),
                h('td', {}, h('span', { class: `badge ${cls}`, testid: 'freshness-status' }, text)),
              );
            }),
        ),
      ),
    ),
  );
}

async function render(root: HTMLElement, scope: Scope): Promise<void> {
  root.append(
    h('h1', { testid: 'page-title' }, 'Data'),
    h('p', { class: 'subtitle' }, 'Browse the stored series; an as-of time shows what the store knew then (vintages).'),
  );
  const controls = h('form', { class: 'controls', testid: 'data-controls' }, loading('Loading the series list…'));
  const body = h('div', {});
  const fresh = h('div', {}, loading('Loading freshness…'));
  root.append(controls, body, h('article', { class: 'card wide', testid: 'data-freshness' }, h('h2', {}, 'Freshness per series'), fresh));
  const freshness = api.freshness(scope.signal).then(
    (list) => clear(fresh, list.length ? freshnessTable(list) : empty('No series stored.')),
    (e) => {
      if (isAbort(e)) throw e;
      clear(fresh, errorBox(e, 'load the freshness of the series', 'freshness-error'));
    },
  );

  let list: SeriesInfo[];
  try {
    list = await api.series(scope.signal);
  } catch (e) {
    if (isAbort(e)) throw e;
    clear(controls, errorBox(e, 'list the series', 'data-error'));
    await freshness.catch(() => {});
    scope.ready();
    return;
  }
  if (!list.length) {
    clear(controls, empty('This store has no series yet. Load some with `mre ingest`.', 'data-empty'));
    await freshness.catch(() => {});
    scope.ready();
    return;
  }
  const p = scope.params;
  const byClass = new Map<string, SeriesInfo[]>();
  for (const s of [...list].sort((a, b) => a.ticker.localeCompare(b.ticker))) {
    if (!byClass.has(s.asset_class)) byClass.set(s.asset_class, []);
    byClass.get(s.asset_class)!.push(s);
  }
  const ticker = h('select', { testid: 'data-ticker' });
  for (const [cls, items] of [...byClass].sort(([a], [b]) => a.localeCompare(b))) {
    ticker.append(h('optgroup', { label: cls }, items.map((s) => h('option', { value: s.ticker }, s.ticker))));
  }
  const want = p.get('ticker');
  ticker.value = want && list.some((s) => s.ticker === want) ? want : list.some((s) => s.ticker === '^GSPC') ? '^GSPC' : list[0].ticker;
  const from = h('input', { type: 'date', value: p.get('from') ?? '', testid: 'data-from' });
  const to = h('input', { type: 'date', value: p.get('to') ?? '', testid: 'data-to' });
  const asOfParam = p.get('as_of') ?? '';
  const asOf = h('input', { type: 'datetime-local', step: 1, value: asOfParam.replace(/Z$/, '').slice(0, 19), testid: 'data-as-of' });
  clear(
    controls,
    labeled('Ticker', ticker),
    labeled('From', from),
    labeled('To', to),
    labeled('As of (UTC, optional)', asOf),
    h('button', { type: 'submit', testid: 'data-load' }, 'Show'),
  );

  let run: AbortController | null = null;
  let cleanups: (() => void)[] = [];
  scope.onCleanup(() => cleanups.forEach((fn) => fn()));

  const show = async () => {
    run?.abort();
    cleanups.forEach((fn) => fn());
    cleanups = [];
    const ctl = new AbortController();
    run = ctl;
    scope.signal.addEventListener('abort', () => ctl.abort(), { once: true });
    const info = list.find((s) => s.ticker === ticker.value)!;
    const range = { from: from.value || undefined, to: to.value || undefined, as_of: asOfIso(asOf.value) };
    scope.setParams({ ticker: info.ticker, ...range });
    if (range.from && range.to && range.from > range.to) {
      clear(body, errorBox(new Error('“From” is after “To”.'), 'show the series', 'data-error'));
      return;
    }
    const meta = h(
      'p',
      { class: 'muted small', testid: 'data-meta' },
      `${info.ticker} · ${info.asset_class} · ${info.observations} observations ${info.first} – ${info.last} · source ${info.source} · ingested ${info.last_ingested_at}`,
    );
    clear(body, meta, loading(`Loading ${info.ticker}…`, 'data-loading'));
    let d: SeriesData;
    try {
      d = await api.seriesData(info.ticker, range, ctl.signal);
    } catch (e) {
      if (isAbort(e)) return;
      clear(body, meta, errorBox(e, `load ${info.ticker}`, 'data-error'));
      return;
    }
    if (!d.observations.length) {
      const why = range.as_of
        ? `No observations of ${info.ticker} were known as of ${d.as_of ?? range.as_of} in this range (this store's copy was ingested ${info.last_ingested_at}).`
        : `No observations of ${info.ticker} in this date range (it has data from ${info.first} to ${info.last}).`;
      clear(body, meta, empty(why, 'data-empty'));
      return;
    }
    const chart = h('div', { class: 'chart', testid: 'data-chart' });
    const last = d.observations[d.observations.length - 1];
    clear(
      body,
      meta,
      h(
        'article',
        { class: 'card wide' },
        h('h2', {}, `${info.ticker}${d.as_of ? ` as of ${d.as_of}` : ''}`),
        h('p', { class: 'muted small' }, `${d.observations.length} observations, ${d.observations[0].date} – ${last.date}; latest ${fmt(last.value, 6)}. Drag on the chart to zoom, double-click to reset.`),
        chart,
      ),
      h('article', { class: 'card wide' }, h('h2', {}, 'Observations'), table(d)),
    );
    timeLineChart(chart, { ...scope, signal: ctl.signal, onCleanup: (fn) => cleanups.push(fn) }, {
      dates: d.observations.map((o) => o.date),
      series: [{ label: info.ticker, values: d.observations.map((o) => o.value) }],
    });
  };

  controls.addEventListener('submit', (e) => {
    e.preventDefault();
    void show();
  });
  ticker.addEventListener('change', () => void show());
  await Promise.all([show(), freshness]);
  scope.ready();
}

export const dataPage: Page = { path: 'data', title: 'Data', render };
