// A hash router: #/page?key=value. Each render gets a Scope whose signal aborts and whose
// cleanups run when the person leaves the page, so late answers never draw on another page.

export interface Scope {
  signal: AbortSignal;
  params: URLSearchParams;
  onCleanup(fn: () => void): void;
  /** Replaces the page's query in the address bar without re-rendering. */
  setParams(params: Record<string, string | undefined>): void;
  /** Marks the page as settled (data loaded or an error shown): data-ready on the page root. */
  ready(): void;
}

export interface Page {
  path: string;
  title: string;
  render(root: HTMLElement, scope: Scope): void | Promise<void>;
}

export function parseHash(hash: string): { path: string; params: URLSearchParams } {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = (q < 0 ? raw : raw.slice(0, q)) || '';
  return { path, params: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

export function startRouter(pages: Page[], app: HTMLElement, nav: HTMLElement, fallback: string): void {
  let current: { abort: AbortController; cleanups: (() => void)[] } | null = null;

  for (const p of pages) {
    nav.append(Object.assign(document.createElement('a'), { href: `#/${p.path}`, textContent: p.title }));
    nav.lastElementChild!.setAttribute('data-testid', `nav-${p.path}`);
  }

  const render = () => {
    const { path, params } = parseHash(location.hash);
    const page = pages.find((p) => p.path === path);
    if (!page) {
      location.replace(`#/${fallback}`);
      return;
    }
    if (current) {
      current.abort.abort();
      for (const fn of current.cleanups.splice(0)) fn();
    }
    const state = { abort: new AbortController(), cleanups: [] as (() => void)[] };
    current = state;
    for (const a of nav.querySelectorAll('a')) {
      a.classList.toggle('active', a.getAttribute('href') === `#/${page.path}`);
      if (a.getAttribute('href') === `#/${page.path}`) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    document.title = `${page.title} · MRE`;
    const root = document.createElement('section');
    root.className = `page page-${page.path}`;
    root.dataset.testid = 'page';
    root.dataset.page = page.path;
    app.replaceChildren(root);
    const scope: Scope = {
      signal: state.abort.signal,
      params,
      onCleanup: (fn) => state.cleanups.push(fn),
      setParams: (next) => {
        const q = new URLSearchParams();
        for (const [k, v] of Object.entries(next)) if (v) q.set(k, v);
        const s = q.toString();
        history.replaceState(null, '', `#/${page.path}${s ? '?' + s : ''}`);
      },
      ready: () => {
        if (current === state) root.dataset.ready = 'true';
      },
    };
    Promise.resolve()
      .then(() => page.render(root, scope))
      .catch((e) => {
        if (e instanceof DOMException && e.name === 'AbortError') return;
        console.error(e);
        root.append(Object.assign(document.createElement('div'), { className: 'state error', textContent: `This page failed: ${e}` }));
        scope.ready();
      });
  };

  window.addEventListener('hashchange', render);
  render();
}
