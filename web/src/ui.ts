// Small DOM helpers: element building, loading/empty/error states, number formatting.
import { ApiError, saveToken, savedToken } from './api';

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: (Child | Child[])[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2).toLowerCase(), v as EventListener);
    } else if (k === 'testid') {
      el.setAttribute('data-testid', String(v));
    } else if (k === 'value' && 'value' in el) {
      (el as HTMLInputElement).value = String(v);
    } else if (v === true) {
      el.setAttribute(k, '');
    } else {
      el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function append(el: Node, children: (Child | Child[])[]): void {
  for (const c of children) {
    if (Array.isArray(c)) append(el, c);
    else if (c === null || c === undefined || c === false) continue;
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Element, ...children: (Child | Child[])[]): void {
  el.replaceChildren();
  append(el, children);
}

export function loading(text = 'Loading…', testid = 'loading'): HTMLElement {
  return h('div', { class: 'state loading', testid, role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
}

export function empty(text: string, testid = 'empty'): HTMLElement {
  return h('div', { class: 'state empty', testid }, text);
}

/** An error box: what was being done, and the server's message. */
export function errorBox(err: unknown, doing: string, testid = 'error'): HTMLElement {
  const box = h('div', { class: 'state error', testid, role: 'alert' });
  const title = h('strong', {}, `Could not ${doing}.`);
  let message: string;
  let hint: string | null = null;
  if (err instanceof ApiError) {
    message = err.message;
    if (err.missingEndpoint) {
      hint = `This mre server does not provide /api/${err.path.split('?')[0]} yet; a newer mre serve will.`;
    } else if (err.status === 401) {
      hint = 'This server needs a bearer token (mre serve --token-file).';
    } else if (err.status === 503) {
      hint = 'The server is busy or the store is unavailable; try again in a moment.';
    }
  } else if (err instanceof Error) {
    message = err.message;
  } else {
    message = String(err);
  }
  box.append(title, ' ', h('span', { class: 'error-message', testid: `${testid}-message` }, message));
  if (hint) box.append(h('div', { class: 'hint' }, hint));
  if (err instanceof ApiError && err.status === 401) box.append(tokenForm());
  return box;
}

function tokenForm(): HTMLElement {
  const input = h('input', { type: 'password', placeholder: 'bearer token', value: savedToken(), 'aria-label': 'Bearer token' });
  return h(
    'form',
    {
      class: 'inline-form',
      onsubmit: ((e: Event) => {
        e.preventDefault();
        saveToken(input.value.trim());
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      }) as EventListener,
    },
    input,
    h('button', { type: 'submit' }, 'Use token'),
  );
}

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === 'AbortError';
}

export function fmt(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-4)) return v.toExponential(2);
  if (a >= 1000) return v.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function pct(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return `${(v * 100).toFixed(digits)}%`;
}

export function pvalue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return '–';
  if (p < 0.001) return '< 0.001';
  return p.toFixed(3);
}

/** "Bear_Flattener" → "Bear Flattener" for prose; raw labels stay in data-testid'd elements. */
export function pretty(label: string): string {
  return label.replace(/_/g, ' ');
}

const PALETTE = ['#2f6fb3', '#d9822b', '#3b9a5b', '#c23b3b', '#7d5bb5', '#8c6d31', '#d36aa6', '#5f6b7a', '#1f9e9e', '#b8a32a'];

export function color(i: number): string {
  return PALETTE[i % PALETTE.length];
}

export function labeled(label: string, control: HTMLElement, testid?: string): HTMLElement {
  return h('label', { class: 'field', testid }, h('span', {}, label), control);
}

export function select(options: (string | [string, string])[], value: string, attrs: Attrs = {}): HTMLSelectElement {
  const s = h('select', attrs);
  for (const o of options) {
    const [v, text] = Array.isArray(o) ? o : [o, o];
    s.append(h('option', { value: v }, text));
  }
  s.value = value;
  return s;
}

/** Dates "YYYY-MM-DD" to Unix seconds (UTC), the x unit of the time charts. */
export function dateToSec(d: string): number {
  return Date.UTC(+d.slice(0, 4), +d.slice(5, 7) - 1, +d.slice(8, 10)) / 1000;
}
