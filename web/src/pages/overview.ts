// Overview: the current classification (global regime, municipal context, volatility) and the narrative.
import { api, type Classification, type ClassificationFreshness, type RegimeBlock } from '../api';
import type { Page, Scope } from '../router';
import { clear, empty, errorBox, fmt, h, isAbort, loading, pct, pretty } from '../ui';

function probabilityBars(probs: Record<string, number>, current: string): HTMLElement {
  const entries = Object.entries(probs).sort((a, b) => b[1] - a[1]);
  return h(
    'ul',
    { class: 'probs' },
    entries.map(([label, p]) =>
      h(
        'li',
        { class: label === current ? 'prob current' : 'prob', testid: 'prob-row' },
        h('span', { class: 'prob-label', title: label }, pretty(label)),
        h('span', { class: 'prob-bar' }, h('span', { style: `width:${Math.max(0, Math.min(1, p)) * 100}%` })),
        h('span', { class: 'prob-value' }, pct(p)),
      ),
    ),
  );
}

function regimeCard(block: RegimeBlock, prefix: string): HTMLElement[] {
  return [
    h('div', { class: 'big-label', testid: `${prefix}-label`, title: pretty(block.regime_label) }, block.regime_label),
    h('div', { class: 'muted' }, 'confidence ', h('strong', { testid: `${prefix}-confidence` }, pct(block.confidence_score))),
    probabilityBars(block.regime_probabilities ?? {}, block.regime_label),
  ];
}

/** Issue 22: how old the classified data are, what they rest on, and whether the mapping is signed off. */
function freshnessCard(f: ClassificationFreshness): (HTMLElement | null)[] {
  const age = f.data_age_days === null ? '' : ` — ${f.data_age_days} day${f.data_age_days === 1 ? '' : 's'} before ${f.as_of}`;
  const approved = f.mapping.approved;
  return [
    h(
      'div',
      { class: 'badges' },
      h('span', { class: `badge ${approved ? 'ok' : 'warn'}`, testid: 'overview-signoff' }, approved ? 'mapping signed off' : 'mapping NOT signed off'),
      h('span', { class: `badge ${f.indicators_stale ? 'warn' : 'ok'}`, testid: 'overview-stale-count' }, `${f.indicators_stale} stale`),
      h('span', { class: `badge ${f.indicators_used < f.indicators_total ? 'warn' : 'ok'}`, testid: 'overview-used-count' }, `${f.indicators_used} of ${f.indicators_total} indicators used`),
    ),
    h('p', { class: 'muted small', testid: 'overview-data-age' }, `Data from ${f.data_timestamp}${age}.`),
    approved ? null : h('p', { class: 'muted small' }, 'The state-to-label mapping has not been signed off (mre classify approve): the labels are provisional.'),
    h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'compact', testid: 'overview-indicators' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Indicator'), h('th', {}, 'From'), h('th', {}, 'Last date'), h('th', { class: 'num' }, 'Age (days)'), h('th', {}, 'Used'), h('th', {}, 'Status'))),
        h(
          'tbody',
          {},
          f.indicators.map((i) =>
            h(
              'tr',
              { testid: 'overview-indicator-row', 'data-name': i.name },
              h('td', {}, i.name),
              h('td', { class: 'small' }, i.inputs.length ? i.inputs.join(', ') + (i.proxy ? ' (proxy)' : '') : '–'),
              h('td', {}, i.last ?? '–'),
              h('td', { class: 'num', testid: 'indicator-age' }, i.age_days === null ? '–' : String(i.age_days)),
              h('td', { testid: 'indicator-used' }, i.used ? 'yes' : 'no'),
              h('td', {}, h('span', { class: `badge ${i.stale ? 'warn' : 'ok'}`, testid: 'indicator-status' }, i.stale ? 'stale' : 'fresh')),
            ),
          ),
        ),
      ),
    ),
  ];
}

function card(title: string, testid: string, ...body: HTMLElement[]): HTMLElement {
  return h('article', { class: 'card', testid }, h('h2', {}, title), ...body);
}

async function render(root: HTMLElement, scope: Scope): Promise<void> {
  const subtitle = h('p', { class: 'subtitle', testid: 'overview-timestamp' }, 'Current classification from the newest classifier in the store.');
  const globalBody = h('div', {}, loading('Loading the current classification…'));
  const muniBody = h('div', {}, loading());
  const volBody = h('div', {}, loading());
  const freshBody = h('div', {}, loading('Loading the data behind it…'));
  const narrative = h('div', { class: 'narrative', testid: 'overview-narrative' }, loading('Loading the narrative…'));
  root.append(
    h('h1', { testid: 'page-title' }, 'Overview'),
    subtitle,
    h(
      'div',
      { class: 'cards' },
      card('Global macro regime', 'overview-global', globalBody),
      card('Municipal context', 'overview-muni', muniBody),
      card('Volatility', 'overview-volatility', volBody),
    ),
    h('article', { class: 'card wide', testid: 'overview-freshness' }, h('h2', {}, 'What it rests on'), freshBody),
    h('article', { class: 'card wide' }, h('h2', {}, 'Narrative'), narrative),
  );

  const global = api.classification({}, scope.signal).then(
    (c: Classification) => {
      const f = c.freshness;
      subtitle.textContent = `Data as of ${c.data_timestamp}${f && f.data_age_days !== null ? ` (${f.data_age_days} days old)` : ''}${c.classifier_version ? ` · classifier ${c.classifier_version}` : ''}${f && !f.mapping.approved ? ' · mapping not signed off' : ''}.`;
      if (f) clear(freshBody, ...freshnessCard(f));
      else clear(freshBody, empty('This server reports no freshness for the classification.'));
      clear(globalBody, ...regimeCard(c.global_macro_regime, 'overview-global'));
      const v = c.volatility_classification;
      if (v) {
        clear(
          volBody,
          h('div', { class: 'big-label', testid: 'overview-volatility-regime' }, v.volatility_regime),
          h('div', { class: 'muted' }, `${v.volatility_index_name} `, h('strong', { testid: 'overview-volatility-value' }, fmt(v.volatility_index_value, 2))),
        );
      } else {
        clear(volBody, empty('This classification has no volatility reading.'));
      }
    },
    (e) => {
      if (isAbort(e)) throw e;
      clear(globalBody, errorBox(e, 'load the current classification', 'overview-error'));
      clear(volBody, empty('Not available.'));
      clear(freshBody, empty('Not available.'));
    },
  );
  const muni = api.classification({ instrument_type: 'MUNI' }, scope.signal).then(
    (c) => {
      if (c.contextual_regime) clear(muniBody, ...regimeCard(c.contextual_regime, 'overview-muni'));
      else clear(muniBody, empty('This classifier has no municipal context.'));
    },
    (e) => {
      if (isAbort(e)) throw e;
      clear(muniBody, errorBox(e, 'load the municipal context'));
    },
  );
  const story = api.narrative({}, scope.signal).then(
    (n) => {
      const meta: string[] = [];
      if (n.data_timestamp) meta.push(`data as of ${n.data_timestamp}`);
      if (n.global_label) meta.push(`${pretty(n.global_label)}${n.confidence !== undefined ? ` (${pct(n.confidence)})` : ''}`);
      if (n.classifier_version) meta.push(`classifier ${n.classifier_version}`);
      if (n.source) meta.push(`text: ${n.source}`);
      clear(
        narrative,
        n.text ? h('p', { testid: 'overview-narrative-text' }, n.text) : empty('The narrative is empty.'),
        meta.length ? h('div', { class: 'muted small' }, meta.join(' · ')) : null,
        n.note ? h('div', { class: 'muted small' }, n.note) : null,
      );
    },
    (e) => {
      if (isAbort(e)) throw e;
      clear(narrative, errorBox(e, 'load the narrative', 'overview-narrative-error'));
    },
  );
  await Promise.all([global, muni, story]);
  scope.ready();
}

export const overviewPage: Page = { path: 'overview', title: 'Overview', render };
