// Scenarios: an intervention on the structural causal model (EFFR, TP or Re), simulated by
// POST /api/counterfactual; fan charts of a node, baseline vs intervened, and the effect table.
import { api, type CounterfactualRequest, type CounterfactualResult, type ScmVersion, type StoredScenario } from '../api';
import { FAN_COLORS, fanChart, stepLineChart } from '../charts';
import type { Page, Scope } from '../router';
import { clear, empty, errorBox, fmt, h, isAbort, labeled, loading, select } from '../ui';

const NODES: [string, string][] = [
  ['EFFR', 'EFFR: effective fed funds rate'],
  ['TP', 'TP: 3-month Treasury − EFFR'],
  ['Re', 'Re: expected rate (fed funds futures)'],
];

// The shock generators, in the order of the C++ registry (workflows/shock_generators.cc), whose
// names POST /api/counterfactual accepts; tests/workflows/shock_generator_names_test.cc checks
// this list against the registry.
const SHOCKS: [string, string][] = [
  ['gaussian', 'Gaussian'],
  ['student-t', 'Student-t copula'],
  ['bootstrap', 'Bootstrap (i.i.d.)'],
  ['block-bootstrap', 'Block bootstrap'],
  ['regime-bootstrap', 'Regime bootstrap'],
  ['garch', 'GARCH(1,1), constant correlation'],
  ['quantgan', 'QuantGAN (the newest trained version)'],
];

const PRESETS: { name: string; node: string; size: number }[] = [
  { name: 'Policy hike (EFFR +50 bp)', node: 'EFFR', size: 0.5 },
  { name: 'Liquidity stress (TP +75 bp)', node: 'TP', size: 0.75 },
  { name: 'Forward guidance cut (Re −50 bp)', node: 'Re', size: -0.5 },
];

function effectsTable(r: CounterfactualResult, selected: string): HTMLElement {
  if (!r.effects?.length) return empty('The run returned no effects.', 'scenario-effects-empty');
  return h(
    'div',
    { class: 'scroll-x' },
    h(
      'table',
      { class: 'compact', testid: 'scenario-effects' },
      h(
        'thead',
        {},
        h('tr', {}, ['Node', 'Unit', 'Mean', '5%', '25%', 'Median', '75%', '95%'].map((c, i) => h('th', { class: i > 1 ? 'num' : '' }, c))),
      ),
      h(
        'tbody',
        {},
        r.effects.map((e) =>
          h(
            'tr',
            { testid: 'scenario-effect-row', class: e.node === selected ? 'selected' : '' },
            h('td', {}, e.node),
            h('td', {}, e.unit),
            ...[e.mean, e.q05, e.q25, e.q50, e.q75, e.q95].map((v) => h('td', { class: 'num' }, fmt(v, 4))),
          ),
        ),
      ),
    ),
    h('p', { class: 'muted small' }, 'Intervened minus baseline at the horizon, across paths. The equations are linear, so common shocks cancel and the quantiles often coincide.'),
  );
}

async function render(root: HTMLElement, scope: Scope): Promise<void> {
  root.append(
    h('h1', { testid: 'page-title' }, 'Scenarios'),
    h('p', { class: 'subtitle' }, 'Shift or set a policy node, simulate both worlds with the same shocks, and compare the fans.'),
  );
  const p = scope.params;
  const scmSlot = h('span', { class: 'muted small' }, 'Loading SCM versions…');
  const node = select(NODES, NODES.some(([n]) => n === p.get('node')) ? p.get('node')! : 'EFFR', { testid: 'scenario-node' });
  const mode = select([['shift', 'shift by'], ['set', 'set to']], p.get('mode') === 'set' ? 'set' : 'shift', { testid: 'scenario-mode' });
  const size = h('input', { type: 'number', step: '0.05', value: p.get('size') ?? '0.5', testid: 'scenario-size', required: true });
  const horizon = h('input', { type: 'number', min: 1, step: 1, value: p.get('horizon') ?? '250', testid: 'scenario-horizon', required: true });
  const shocks = select(SHOCKS, SHOCKS.some(([s]) => s === p.get('shocks')) ? p.get('shocks')! : 'gaussian', { testid: 'scenario-shocks' });
  const paths = h('input', { type: 'number', min: 1, step: 1, value: p.get('paths') ?? '2000', testid: 'scenario-paths', required: true });
  const seed = h('input', { type: 'number', min: 0, step: 1, value: p.get('seed') ?? '42', testid: 'scenario-seed' });
  const start = h('input', { type: 'date', value: p.get('start') ?? '', testid: 'scenario-start', title: 'Empty: the last day of the model’s data' });
  const run = h('button', { type: 'submit', testid: 'scenario-run' }, 'Run scenario');
  const presets = h(
    'div',
    { class: 'presets' },
    h('span', { class: 'muted small' }, 'Presets: '),
    PRESETS.map((pr) =>
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          onclick: (() => {
            node.value = pr.node;
            mode.value = 'shift';
            size.value = String(pr.size);
          }) as EventListener,
        },
        pr.name,
      ),
    ),
  );
  const form = h(
    'form',
    { class: 'controls', testid: 'scenario-form' },
    labeled('SCM version', scmSlot),
    labeled('Intervene on', node),
    labeled('', mode),
    labeled('Size (points)', size),
    labeled('Horizon (days)', horizon),
    labeled('Shocks', shocks),
    labeled('Paths', paths),
    labeled('Seed', seed),
    labeled('Start', start),
    run,
  );
  const result = h('div', { testid: 'scenario-result' }, empty('Choose an intervention and press “Run scenario”.', 'scenario-empty'));
  // Issue 22: the runs `mre scm scenario` (and `mre run`) stored, browsed with their dated fans.
  const storedSlot = h('span', { class: 'muted small' }, 'Loading stored scenarios…');
  const stored = h('form', { class: 'controls', testid: 'scenario-stored-form' }, labeled('Stored scenario', storedSlot));
  root.append(stored, form, presets, result);

  let version: HTMLSelectElement | null = null;
  const scmListed = api.scmVersions(scope.signal).then(
    (list: ScmVersion[]) => {
      const sorted = [...list].sort((a, b) => b.created_at.localeCompare(a.created_at));
      version = select(
        [['', 'newest (server default)'], ...sorted.map((v) => [v.version, `${v.version} (${v.first} – ${v.last})`] as [string, string])],
        sorted.some((v) => v.version === p.get('version')) ? p.get('version')! : '',
        { testid: 'scenario-version' },
      );
      scmSlot.replaceWith(version);
      if (!list.length) {
        clear(result, empty('This store has no structural causal model yet: fit one with `mre scm fit`, then run a scenario.', 'scenario-empty'));
      }
    },
    (e) => {
      if (isAbort(e)) return;
      scmSlot.textContent = 'the newest in the store';
      scmSlot.title = `The list of SCM versions is unavailable: ${e instanceof Error ? e.message : e}`;
      scmSlot.dataset.testid = 'scenario-version-missing';
    },
  );

  let chartCleanups: (() => void)[] = [];
  const dropCharts = () => {
    chartCleanups.forEach((fn) => fn());
    chartCleanups = [];
  };
  scope.onCleanup(dropCharts);
  let inflight: AbortController | null = null;

  const show = (r: CounterfactualResult, chosen: string) => {
    dropCharts();
    const nodes = Object.keys(r.fans.baseline);
    const current = nodes.includes(chosen) ? chosen : nodes.includes('STOCK') ? 'STOCK' : nodes[0];
    const nodeSel = select(nodes, current, { testid: 'fan-node' });
    const chart = h('div', { class: 'chart', testid: 'fan-chart' });
    const diff = h('div', { class: 'chart', testid: 'fan-diff-chart' });
    const effect = r.effects?.find((e) => e.node === current);
    const interventions = Array.isArray(r.interventions) ? r.interventions.join(', ') : r.interventions;
    clear(
      result,
      h(
        'p',
        { class: 'summary-line', testid: 'scenario-summary' },
        h('strong', {}, interventions),
        ` · run ${r.id} · model ${r.scm_version} · from ${r.start} · ${r.horizon} days · ${r.paths} paths · ${r.shocks} shocks`,
      ),
      r.narrative ? h('p', { class: 'narrative-line', testid: 'scenario-narrative' }, r.narrative) : null,
      h(
        'article',
        { class: 'card wide' },
        h('div', { class: 'card-head' }, h('h2', {}, `${current}: baseline vs intervened`), labeled('Node', nodeSel)),
        h(
          'div',
          { class: 'legend-line small' },
          h('span', { class: 'swatch', style: `background:${FAN_COLORS.baseline}` }),
          'baseline ',
          h('span', { class: 'swatch', style: `background:${FAN_COLORS.intervened}` }),
          'intervened · bands: 5–95% and 25–75% of paths, lines: medians (levels)',
        ),
        chart,
        h('h3', {}, `Intervened − baseline median, ${current}`),
        diff,
        effect
          ? h(
              'p',
              { class: 'muted small', testid: 'scenario-node-effect' },
              `Effect on ${current} at the horizon: mean ${fmt(effect.mean, 4)} ${effect.unit} (5–95%: ${fmt(effect.q05, 4)} to ${fmt(effect.q95, 4)}).` +
                (effect.uncertainty
                  ? ` With parameter uncertainty: 90% [${fmt(effect.uncertainty.lo90, 4)}, ${fmt(effect.uncertainty.hi90, 4)}], 95% [${fmt(effect.uncertainty.lo95, 4)}, ${fmt(effect.uncertainty.hi95, 4)}].`
                  : ''),
            )
          : null,
      ),
      h('article', { class: 'card wide' }, h('h2', {}, 'Effects at the horizon'), effectsTable(r, current)),
    );
    nodeSel.addEventListener('change', () => show(r, nodeSel.value));
    const base = r.fans.baseline[current];
    if (!base?.length) {
      chart.replaceWith(empty(`No fan for ${current} in this run.`, 'fan-empty'));
      return;
    }
    const chartScope = { ...scope, onCleanup: (fn: () => void) => chartCleanups.push(fn) };
    const inter = r.fans.intervened?.[current];
    fanChart(chart, chartScope, { baseline: base, intervened: inter, node: current, dates: r.dates });
    if (inter?.length === base.length) {
      stepLineChart(diff, chartScope, { values: inter.map((q, i) => q[2] - base[i][2]), label: 'difference', yLabel: `Δ ${current} (level)` });
    } else {
      diff.replaceWith(empty('No intervened fan to compare with.'));
    }
  };

  const storedListed = api.scenarios(scope.signal).then(
    async (list: StoredScenario[]) => {
      if (!list.length) {
        storedSlot.textContent = 'none in this store (`mre scm scenario` stores one)';
        storedSlot.dataset.testid = 'scenario-stored-empty';
        return;
      }
      const pickStored = select(
        [['', '— pick a stored run —'], ...list.map((r) => [r.id, `${r.name}: ${r.interventions} (${r.shocks}, ${r.paths} paths × ${r.horizon} days from ${r.start})`] as [string, string])],
        list.some((r) => r.id === p.get('stored')) ? p.get('stored')! : '',
        { testid: 'scenario-stored' },
      );
      storedSlot.replaceWith(pickStored);
      const load = async () => {
        const id = pickStored.value;
        if (!id) return;
        scope.setParams({ stored: id });
        inflight?.abort();
        const ctl = new AbortController();
        inflight = ctl;
        scope.signal.addEventListener('abort', () => ctl.abort(), { once: true });
        dropCharts();
        clear(result, loading(`Loading stored scenario ${id}…`, 'scenario-loading'));
        try {
          const r = await api.scenario(id, ctl.signal);
          show(r as unknown as CounterfactualResult, 'STOCK');
        } catch (err) {
          if (isAbort(err)) return;
          clear(result, errorBox(err, `load stored scenario ${id}`, 'scenario-error'));
        }
      };
      pickStored.addEventListener('change', () => void load());
      if (pickStored.value) await load();
    },
    (e) => {
      if (isAbort(e)) return;
      clear(stored, errorBox(e, 'list the stored scenarios', 'scenario-stored-error'));
    },
  );

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const amount = Number(size.value);
    if (!Number.isFinite(amount)) {
      clear(result, errorBox(new Error('The size must be a number, e.g. 0.25 for 25 bp.'), 'run the scenario', 'scenario-error'));
      return;
    }
    if (mode.value === 'set' && amount < 0) {
      clear(result, errorBox(new Error('A level to set must not be negative: use “shift by” for a negative change.'), 'run the scenario', 'scenario-error'));
      return;
    }
    const expr = mode.value === 'set' ? `${node.value}=${amount}` : `${node.value}=${amount >= 0 ? '+' : ''}${amount}`;
    const body: CounterfactualRequest = {
      interventions: [expr],
      horizon: Math.round(Number(horizon.value)),
      paths: Math.round(Number(paths.value)),
      shocks: shocks.value,
      seed: Math.round(Number(seed.value) || 0),
    };
    const v = (version as HTMLSelectElement | null)?.value;
    if (v) body.version = v;
    if (start.value) body.start = start.value;
    scope.setParams({
      node: node.value,
      mode: mode.value,
      size: size.value,
      horizon: horizon.value,
      shocks: shocks.value,
      paths: paths.value,
      seed: seed.value,
      start: start.value,
      version: v || undefined,
    });
    inflight?.abort();
    const ctl = new AbortController();
    inflight = ctl;
    scope.signal.addEventListener('abort', () => ctl.abort(), { once: true });
    dropCharts();
    run.disabled = true;
    clear(result, loading(`Simulating ${body.paths} paths over ${body.horizon} days (${expr})…`, 'scenario-loading'));
    try {
      const r = await api.counterfactual(body, ctl.signal);
      show(r, 'STOCK');
    } catch (err) {
      if (isAbort(err)) return;
      clear(result, errorBox(err, 'run the scenario', 'scenario-error'));
    } finally {
      if (inflight === ctl) run.disabled = false;
    }
  });
  await Promise.all([scmListed, storedListed]);
  scope.ready();
}

export const scenariosPage: Page = { path: 'scenarios', title: 'Scenarios', render };
