// Health (issue 27): one line per monitoring check, red / amber / green, with its figure and the
// date it first failed, from GET /api/health/details (computed on request, never stored; the
// first-failed dates come from the runs `mre monitor` stored).
import { request } from '../api';
import type { Page, Scope } from '../router';
import { clear, empty, errorBox, h, isAbort, loading } from '../ui';

export interface HealthCheck {
  subject: string;
  check: string;
  status: 'green' | 'amber' | 'red';
  value: number | null;
  figure: string;
  detail: string;
  failing_since: string | null;
  first_failed: string | null;
}

export interface HealthDetails {
  status: 'green' | 'amber' | 'red';
  as_of: string;
  today: string;
  counts: { red: number; amber: number; green: number };
  notes: string[];
  checks: HealthCheck[];
}

const COLOURS: Record<HealthCheck['status'], string> = { red: '#c62828', amber: '#ef8f00', green: '#2e7d32' };
const ORDER: Record<HealthCheck['status'], number> = { red: 0, amber: 1, green: 2 };

function dot(status: HealthCheck['status']): HTMLElement {
  const el = h('span', { class: `rag rag-${status}`, title: status });
  el.style.cssText = `display:inline-block;width:0.8em;height:0.8em;border-radius:50%;background:${COLOURS[status]};margin-right:0.4em`;
  return el;
}

function row(c: HealthCheck): HTMLElement {
  return h(
    'tr',
    { testid: `health-row-${c.status}` },
    h('td', {}, dot(c.status), c.status),
    h('td', {}, c.subject),
    h('td', {}, c.check),
    h('td', { title: c.detail }, c.figure),
    h('td', {}, c.first_failed ?? ''),
  );
}

async function render(root: HTMLElement, scope: Scope): Promise<void> {
  root.append(
    h('h1', { testid: 'page-title' }, 'Health'),
    h(
      'p',
      { class: 'subtitle' },
      'Whether the store can still be trusted: stale or future-dated series, gaps, outliers, revisions, model age and sign-off, input drift, effect stability. `mre monitor` stores a run; `mre monitor history` lists them.',
    ),
  );
  const body = h('div', {}, loading('Running the checks…'));
  root.append(body);
  let details: HealthDetails;
  try {
    details = await request<HealthDetails>('health/details', { signal: scope.signal });
  } catch (e) {
    if (isAbort(e)) throw e;
    clear(body, errorBox(e, 'run the health checks', 'health-error'));
    scope.ready();
    return;
  }
  if (!details.checks.length) {
    clear(body, empty('No checks ran: the store holds nothing to check yet.', 'health-empty'));
    scope.ready();
    return;
  }
  const showAll = scope.params.get('all') === '1';
  const checks = [...details.checks].sort((a, b) => ORDER[a.status] - ORDER[b.status]);
  const shown = showAll ? checks : checks.filter((c) => c.status !== 'green');
  const toggle = h('a', { href: showAll ? '#/health' : '#/health?all=1', testid: 'health-toggle' }, showAll ? 'Only failing checks' : `Show all ${checks.length} checks`);
  clear(
    body,
    h(
      'p',
      { class: 'summary-line', testid: 'health-summary' },
      dot(details.status),
      `${details.status.toUpperCase()} as of ${details.as_of}: ${details.counts.red} red, ${details.counts.amber} amber, ${details.counts.green} green. `,
      toggle,
    ),
    shown.length
      ? h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            { class: 'compact', testid: 'health-table' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Status'), h('th', {}, 'Subject'), h('th', {}, 'Check'), h('th', {}, 'Figure'), h('th', {}, 'First failed'))),
            h('tbody', {}, shown.map(row)),
          ),
        )
      : empty('Every check is green.', 'health-all-green'),
    h('ul', { class: 'muted small' }, details.notes.map((n) => h('li', {}, n))),
  );
  scope.ready();
}

export const healthPage: Page = { path: 'health', title: 'Health', render };
