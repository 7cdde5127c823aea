// Overview: the current classification (global regime, municipal context, volatility) and the narrative.
import { api, type Classification, type RegimeBlock } from '../api';
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

function card(title: string, testid: string, ...body: HTMLElement[]): HTMLElement {
  return h('article', { class: 'card', testid }, h('h2', {}, title), ...body);
}

async function render(root: HTMLElement, scope: Scope): Promise<void> {
  const subtitle = h('p', { class: 'subtitle', testid: 'overview-timestamp' }, 'Current classification from the newest classifier in the store.');
  const globalBody = h('div', {}, loading('Loading the current classification…'));
  const muniBody = h('div', {}, loading());
  const volBody = h('div', {}, loading());
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
    h('article', { class: 'card wide' }, h('h2', {}, 'Narrative'), narrative),
  );

  const global = api.classification({}, scope.signal).then(
    (c: Classification) => {
      subtitle.textContent = `Data as of ${c.data_timestamp}.`;
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
