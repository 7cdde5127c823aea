#!/usr/bin/env node
// Browser tests of the dashboard against a running `mre serve --static web/dist`.
//
//   MRE_URL=http://127.0.0.1:8080 node web/tests/e2e.mjs
//
// Drives Debian's Chromium (CHROMIUM, default /usr/bin/chromium) headless through playwright-core.
// Every page must load with no console error and no uncaught exception, make no request off the
// server's origin, and show no error box except "this server does not provide /api/X yet" for an
// endpoint the server really lacks (probed first). Screenshots go to MRE_SCREENSHOTS (default
// web/test-output). Prints "ok"/"not ok" per check and "N passed, N failed"; exits 1 on any failure.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const base = (process.env.MRE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const shots = path.resolve(process.env.MRE_SCREENSHOTS || path.join(here, '..', 'test-output'));
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = Number(process.env.MRE_E2E_TIMEOUT_MS || 30000);
mkdirSync(shots, { recursive: true });

let passed = 0;
let failed = 0;

async function apiGet(p) {
  const res = await fetch(`${base}/api/${p}`);
  const text = await res.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

async function apiPost(p, payload) {
  const res = await fetch(`${base}/api/${p}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) });
  return { status: res.status, body: await res.json() };
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// Endpoints a server may not have yet: the dashboard shows a friendly error for them, and the
// browser's "Failed to load resource: 404" for them is expected, not a failure.
const missing = new Set();
const isMissing = (r) => r.status === 404 && /no such endpoint|no regime version 'compare'/.test(r.body?.error?.message ?? '');

const health = await apiGet('health').catch((e) => ({ status: 0, body: String(e) }));
if (health.status !== 200) {
  console.error(`not ok - ${base}/api/health answered ${health.status}: ${JSON.stringify(health.body)}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const regimeVersions = (await apiGet('regimes')).body;
const twoVersions = Array.isArray(regimeVersions) && regimeVersions.length >= 2 ? regimeVersions.slice(0, 2).map((v) => v.version) : null;
for (const [name, p] of [
  ['effects', 'effects'],
  ['scm', 'scm'],
  ['narrative', 'narrative'],
  ['regimes/compare', twoVersions ? `regimes/compare?a=${encodeURIComponent(twoVersions[0])}&b=${encodeURIComponent(twoVersions[1])}` : null],
]) {
  if (!p) continue;
  const r = await apiGet(p);
  if (isMissing(r)) {
    missing.add(name);
    console.log(`# note: this server has no /api/${name} yet; its friendly error state is checked instead`);
  }
}

const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(TIMEOUT);

let problems = [];
let expected = []; // [urlPart, status] of failures a check provokes on purpose
const apiPath = (url) => {
  try {
    const u = new URL(url);
    return u.pathname.startsWith('/api/') ? u.pathname.slice(5) : null;
  } catch {
    return null;
  }
};
page.on('console', (msg) => {
  if (msg.type() !== 'error') return;
  const url = msg.location()?.url ?? '';
  const p = apiPath(url);
  if (/Failed to load resource/.test(msg.text()) && p !== null) {
    if (missing.has(p) && /status of 404/.test(msg.text())) return;
    if (expected.some(([part, status]) => p.includes(part) && msg.text().includes(`status of ${status}`))) return;
  }
  problems.push(`console error: ${msg.text()}${url ? ` (${url})` : ''}`);
});
page.on('pageerror', (err) => problems.push(`uncaught exception: ${err.message}`));
page.on('request', (req) => {
  const u = req.url();
  if (!u.startsWith(base + '/') && !u.startsWith('data:') && !u.startsWith('blob:')) problems.push(`request off the server's origin: ${u}`);
});
page.on('requestfailed', (req) => {
  const why = req.failure()?.errorText ?? '';
  if (!/ERR_ABORTED/.test(why)) problems.push(`request failed: ${req.url()} ${why}`);
});

// MRE_E2E_ONLY=REGEX runs only the checks whose names match (a cheap re-run of one page).
const only = process.env.MRE_E2E_ONLY ? new RegExp(process.env.MRE_E2E_ONLY, 'i') : null;

async function check(name, fn) {
  if (only && !only.test(name)) return;
  problems = [];
  expected = [];
  try {
    await fn();
    await page.waitForTimeout(150); // late console messages
    assert(problems.length === 0, problems.join('; '));
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    failed++;
    console.log(`not ok - ${name}: ${(e && e.message ? e.message : String(e)).split('\n')[0]}`);
    await page.screenshot({ path: path.join(shots, `FAILED-${name.replace(/[^a-z0-9]+/gi, '-')}.png`), fullPage: true }).catch(() => {});
  }
}

async function open(route) {
  await page.goto(`${base}/#/${route}`);
  await page.locator('[data-testid="page"][data-ready="true"]').waitFor();
}

/** Every error box on the page must be a "this server does not provide /api/X yet" for a missing endpoint. */
async function noUnexpectedErrorBoxes() {
  const boxes = await page.locator('.state.error').allInnerTexts();
  for (const text of boxes) {
    const m = /does not provide \/api\/([a-z/]+)/.exec(text);
    assert(m && [...missing].some((x) => m[1].startsWith(x)), `error shown on the page: ${text.replace(/\s+/g, ' ')}`);
  }
}

async function shot(name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

/** Counts a canvas's pixels near an RGB colour (the chart's data, not its axes). */
async function colouredPixels(selector, rgb, tol = 40) {
  return page.locator(selector).first().evaluate(
    (canvas, [r, g, b, t]) => {
      const d = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] > 0 && Math.abs(d[i] - r) < t && Math.abs(d[i + 1] - g) < t && Math.abs(d[i + 2] - b) < t) n++;
      }
      return n;
    },
    [...rgb, tol],
  );
}

/** The profile drawn under `rootSel` shows the API's transition probabilities, durations, means and volatilities. */
async function profileMatches(rootSel, p) {
  const root = page.locator(rootSel);
  const k = p.labels.length;
  const cells = root.locator('[data-testid="profile-heat-cell"]');
  assert((await cells.count()) === k * k, `${await cells.count()} heatmap cells for ${k} regimes`);
  const texts = await cells.allInnerTexts();
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const want = p.transitions[i][j] === null ? '–' : pct(p.transitions[i][j]);
      assert(texts[i * k + j].trim() === want, `P(${p.labels[i]} → ${p.labels[j]}) shown ${texts[i * k + j]}, API ${p.transitions[i][j]}`);
    }
  }
  const durations = await root.locator('[data-testid="profile-duration"]').allInnerTexts();
  assert(durations.length === k, `${durations.length} durations for ${k} regimes`);
  for (let i = 0; i < k; i++) {
    const want = p.expected_durations[i] === null ? '–' : fmt(p.expected_durations[i], 1);
    assert(durations[i].trim() === want, `${p.labels[i]}: duration ${durations[i]}, API ${p.expected_durations[i]}`);
  }
  const rows = root.locator('[data-testid="profile-return-row"]');
  assert((await rows.count()) === p.assets.length, `${await rows.count()} return rows, API ${p.assets.length}`);
  for (let i = 0; i < p.assets.length; i++) {
    const a = p.assets[i];
    const row = rows.nth(i);
    assert((await row.getAttribute('data-regime')) === a.regime, `row ${i} is ${await row.getAttribute('data-regime')}, API ${a.regime}`);
    const mean = (await row.locator('[data-testid="profile-mean"]').innerText()).trim();
    const vol = (await row.locator('[data-testid="profile-vol"]').innerText()).trim();
    assert(mean === pct(a.annual_mean) && vol === pct(a.annual_volatility), `${a.regime}: ${mean} / ${vol}, API ${a.annual_mean} / ${a.annual_volatility}`);
  }
  await root.locator('[data-testid="profile-bars"]').waitFor();
}

const title = () => page.locator('[data-testid="page-title"]').innerText();

// The dashboard's number formats (web/src/ui.ts), to compare the page's text with the API's numbers.
const pct = (v, digits = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)}%`);
function fmt(v, digits = 3) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e6 || a < 1e-4)) return v.toExponential(2);
  if (a >= 1000) return v.toLocaleString('en-US', { maximumFractionDigits: 1 });
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}
// Runs of a 0/1 indicator at 1 (USREC), as the page shades them.
const runsOn = (obs) => obs.reduce((n, o, i) => n + ((o.value ?? 0) >= 0.5 && !(i > 0 && (obs[i - 1].value ?? 0) >= 0.5) ? 1 : 0), 0);
const labelRunCount = (rows) => rows.reduce((n, r, i) => n + (i === 0 || rows[i - 1].regime !== r.regime ? 1 : 0), 0);
const enc = encodeURIComponent;

try {
  await check('the dashboard is served at /', async () => {
    const res = await fetch(`${base}/`);
    const html = await res.text();
    assert(res.status === 200 && html.includes('id="app"'), `GET / answered ${res.status} without the dashboard (is web/dist built and --static given?)`);
    assert(!/https?:\/\//.test(html.replace(/http:\/\/www\.w3\.org[^"']*/g, '')), 'index.html refers to another host');
  });

  await check('overview loads and shows the current global regime', async () => {
    await open('overview');
    assert((await title()) === 'Overview', `title is ${await title()}`);
    const api = await apiGet('classification/current');
    if (api.status === 200) {
      const want = api.body.global_macro_regime.regime_label;
      const got = (await page.locator('[data-testid="overview-global-label"]').innerText()).trim();
      assert(got === want, `overview shows "${got}", /api/classification/current says "${want}"`);
      const vol = api.body.volatility_classification;
      if (vol) {
        const v = (await page.locator('[data-testid="overview-volatility-regime"]').innerText()).trim();
        assert(v === vol.volatility_regime, `volatility card shows "${v}", API says "${vol.volatility_regime}"`);
      }
    } else {
      const msg = await page.locator('[data-testid="overview-error-message"]').innerText();
      assert(msg === api.body.error.message, `error shown "${msg}", API says "${api.body.error.message}"`);
      problems = problems.filter((p) => !/status of (404|503)/.test(p));
      return;
    }
    const f = api.body.freshness;
    if (f) {
      // Issue 22: the data's age, the indicators used and stale, and the sign-off, as the API says.
      const rows = page.locator('[data-testid="overview-indicator-row"]');
      assert((await rows.count()) === f.indicators.length, `${await rows.count()} indicator rows, API ${f.indicators.length}`);
      for (let i = 0; i < f.indicators.length; i++) {
        const want = f.indicators[i];
        const row = rows.nth(i);
        assert((await row.getAttribute('data-name')) === want.name, `row ${i} is ${await row.getAttribute('data-name')}, API ${want.name}`);
        const age = (await row.locator('[data-testid="indicator-age"]').innerText()).trim();
        assert(age === (want.age_days === null ? '–' : String(want.age_days)), `${want.name}: age ${age}, API ${want.age_days}`);
        const used = (await row.locator('[data-testid="indicator-used"]').innerText()).trim();
        assert(used === (want.used ? 'yes' : 'no'), `${want.name}: used ${used}, API ${want.used}`);
        const status = (await row.locator('[data-testid="indicator-status"]').innerText()).trim();
        assert(status === (want.stale ? 'stale' : 'fresh'), `${want.name}: ${status}, API stale=${want.stale}`);
      }
      const usedCount = (await page.locator('[data-testid="overview-used-count"]').innerText()).trim();
      assert(usedCount === `${f.indicators_used} of ${f.indicators_total} indicators used`, `badge "${usedCount}"`);
      const signoff = (await page.locator('[data-testid="overview-signoff"]').innerText()).trim();
      assert(signoff === (f.mapping.approved ? 'mapping signed off' : 'mapping NOT signed off'), `sign-off badge "${signoff}", API approved=${f.mapping.approved}`);
      const age = await page.locator('[data-testid="overview-data-age"]').innerText();
      if (f.data_age_days !== null) assert(age.includes(`${f.data_age_days} day`), `"${age}" lacks the API's age ${f.data_age_days}`);
    }
    if (missing.has('narrative')) {
      await page.locator('[data-testid="overview-narrative-error"]').waitFor();
    } else {
      const n = await apiGet('narrative');
      assert(n.status === 200, `/api/narrative answered ${n.status}`);
      const text = (await page.locator('[data-testid="overview-narrative-text"]').innerText()).trim();
      assert(text.length > 0 && text === String(n.body.text).trim(), 'the narrative text differs from /api/narrative');
    }
    await noUnexpectedErrorBoxes();
    await shot('overview');
  });

  await check('regime history draws stacked probabilities', async () => {
    await open('regimes');
    assert((await title()) === 'Regime history', `title is ${await title()}`);
    await page.locator('[data-testid="regime-chart"] canvas').first().waitFor();
    const points = Number(await page.locator('[data-testid="regime-chart"]').getAttribute('data-points'));
    assert(points > 0, 'the regime chart has no points');
    await noUnexpectedErrorBoxes();
    await shot('regimes');
  });

  await check('the regime page opens on the named history over the S&P 500 (log scale, NBER shading), as the API says', async () => {
    const api = await apiGet('classification/history');
    await open('regimes');
    await page.locator('[data-testid="regime-named"][data-ready="true"]').waitFor();
    if (api.status === 404 && /no classifier version in the store/.test(api.body.error.message)) {
      await page.locator('[data-testid="regime-named-empty"]').waitFor();
      problems = problems.filter((p) => !/status of 404/.test(p));
      return;
    }
    if (api.status !== 200) {
      const msg = await page.locator('[data-testid="regime-named-error-message"]').innerText();
      assert(msg === api.body.error.message, `error shown "${msg}", API says "${api.body.error.message}"`);
      problems = problems.filter((p) => !/status of (404|503)/.test(p));
      return;
    }
    const rows = api.body.regimes;
    assert(rows.length > 0, 'the named history is empty');
    const chart = page.locator('[data-testid="regime-named-chart"]');
    await chart.locator('canvas').first().waitFor();
    assert(Number(await chart.getAttribute('data-points')) === rows.length, `probability chart has ${await chart.getAttribute('data-points')} points, the API ${rows.length} days`);
    const last = rows[rows.length - 1];
    const label = (await page.locator('[data-testid="regime-named-latest-label"]').innerText()).trim();
    assert(label === last.regime, `latest label "${label}", API "${last.regime}"`);
    const score = (await page.locator('[data-testid="regime-named-latest-score"]').innerText()).trim();
    assert(score === pct(last.score), `latest score "${score}", API ${last.score}`);
    const shares = page.locator('[data-testid="regime-named-shares"] tbody tr');
    assert((await shares.count()) === api.body.labels.length, `${await shares.count()} share rows for ${api.body.labels.length} labels`);
    for (let i = 0; i < api.body.labels.length; i++) {
      const l = api.body.labels[i];
      const want = pct(rows.filter((r) => r.regime === l).length / rows.length);
      const got = (await shares.nth(i).locator('[data-testid="regime-named-share"]').innerText()).trim();
      assert((await shares.nth(i).getAttribute('data-label')) === l && got === want, `${l}: share ${got}, from the API ${want}`);
    }
    const signoff = (await page.locator('[data-testid="regime-named-signoff"]').innerText()).trim();
    assert(signoff === (api.body.approved ? 'mapping signed off' : 'mapping NOT signed off'), `sign-off "${signoff}"`);
    const first = rows[0].date;
    const spx = await apiGet(`series/${enc('^GSPC')}?from=${first}&to=${last.date}`);
    if (spx.status === 200) {
      const price = page.locator('[data-testid="regime-named-price"]');
      await price.locator('canvas').first().waitFor();
      assert((await price.getAttribute('data-scale')) === 'log', 'the S&P 500 is not on a log scale');
      assert(Number(await price.getAttribute('data-points')) === spx.body.observations.length, `price chart ${await price.getAttribute('data-points')} points, API ${spx.body.observations.length}`);
      assert(Number(await price.getAttribute('data-runs')) === labelRunCount(rows), `ribbon has ${await price.getAttribute('data-runs')} runs, the API's labels ${labelRunCount(rows)}`);
      const rec = await apiGet(`series/USREC?from=${first}&to=${last.date}`);
      const want = rec.status === 200 ? runsOn(rec.body.observations) : 0;
      assert(Number(await price.getAttribute('data-shaded')) === want, `${await price.getAttribute('data-shaded')} shaded recessions, USREC has ${want}`);
      const ink = await colouredPixels('[data-testid="regime-named-price"] canvas', [29, 39, 51], 30);
      assert(ink > 300, `the price line looks empty (${ink} pixels)`);
    }
    // Its regime statistics, as /api/classification/history/profile computes them.
    const prof = await apiGet(`classification/history/profile?version=${enc(api.body.version)}&assets=${enc('^GSPC')}`);
    if (prof.status === 200) {
      await page.locator('[data-testid="regime-named-profile"][data-ready="true"]').waitFor();
      await profileMatches('[data-testid="regime-named-profile"]', prof.body);
    }
    await noUnexpectedErrorBoxes();
    await shot('regimes-named');
  });

  await check('the regime page shows a version\'s transition heatmap, durations and returns by regime, as the API computes them', async () => {
    if (!Array.isArray(regimeVersions) || !regimeVersions.length) return;
    const v = (regimeVersions.find((x) => x.kind === 'classifier_backfill') ?? regimeVersions.find((x) => x.kind !== 'rules') ?? regimeVersions[0]).version;
    const api = await apiGet(`regimes/${enc(v)}/profile?assets=${enc('^GSPC')}`);
    await open('regimes');
    assert((await page.locator('[data-testid="regime-version"]').inputValue()) === v, `the page's default version is not ${v}`);
    const el = page.locator('[data-testid="regime-profile"][data-ready="true"]');
    if (api.status !== 200) {
      const msg = await page.locator('[data-testid="profile-error-message"]').innerText();
      assert(msg === api.body.error.message, `error shown "${msg}", API says "${api.body.error.message}"`);
      problems = problems.filter((p) => !/status of (404|422|400)/.test(p));
      return;
    }
    await el.waitFor();
    await profileMatches('[data-testid="regime-profile"]', api.body);
    await noUnexpectedErrorBoxes();
    await page.locator('[data-testid="regime-profile"]').screenshot({ path: path.join(shots, 'regimes-profile.png') });
  });

  if (twoVersions) {
    await check('regime history compares two versions side by side', async () => {
      await open(`regimes?v=${encodeURIComponent(twoVersions[0])}&b=${encodeURIComponent(twoVersions[1])}`);
      await page.locator('[data-testid="regime-chart-a"] canvas').first().waitFor();
      await page.locator('[data-testid="regime-chart-b"] canvas').first().waitFor();
      if (missing.has('regimes/compare')) {
        await page.locator('[data-testid="regime-compare-missing"]').waitFor();
        await page.locator('[data-testid="regime-compare"] [data-testid="regime-crosstab"], [data-testid="regime-compare"] [data-testid="regime-crosstab-empty"]').first().waitFor();
      } else {
        const cmp = (await apiGet(`regimes/compare?a=${encodeURIComponent(twoVersions[0])}&b=${encodeURIComponent(twoVersions[1])}`)).body;
        await page.locator('[data-testid="regime-compare-server"]').waitFor();
        if (Array.isArray(cmp.confusion)) {
          const rows = await page.locator('[data-testid="regime-confusion"] tbody tr').count();
          assert(rows === cmp.confusion.length, `confusion table has ${rows} rows, the API ${cmp.confusion.length}`);
        }
      }
      await noUnexpectedErrorBoxes();
      await shot('regimes-compare');
    });
  }

  await check('effects page draws a forest plot with placebo results', async () => {
    let version = process.env.MRE_EFFECTS_VERSION || '';
    if (!missing.has('effects')) {
      const list = await apiGet('effects');
      assert(list.status === 200 && Array.isArray(list.body), `/api/effects answered ${list.status}`);
      if (!version && list.body.length) version = list.body[list.body.length - 1].version;
    }
    await open(version ? `effects?version=${encodeURIComponent(version)}` : 'effects');
    assert((await title()) === 'Effects', `title is ${await title()}`);
    if (missing.has('effects')) await page.locator('[data-testid="effects-versions-error"]').waitFor();
    if (version) {
      const rows = (await apiGet(`effects/${encodeURIComponent(version)}`)).body;
      const n = await page.locator('[data-testid="forest-plot"] [data-testid="forest-row"]').count();
      const first = rows[0] ? [...rows].sort((a, b) => a.treatment.localeCompare(b.treatment) || a.outcome.localeCompare(b.outcome) || a.horizon_months - b.horizon_months)[0] : null;
      assert(first, `effects ${version} has no rows`);
      assert(n === 1 + Object.keys(first.regime_effects ?? {}).length, `forest plot has ${n} rows`);
      if ((first.placebo ?? []).length) {
        const items = await page.locator('[data-testid="effects-placebo"] li').count();
        assert(items === first.placebo.length, `${items} placebo lines for ${first.placebo.length} placebo results`);
      }
      // another outcome redraws the plot
      const outcomes = await page.locator('[data-testid="effects-outcome"] option').allInnerTexts();
      if (outcomes.length > 1) {
        await page.selectOption('[data-testid="effects-outcome"]', outcomes[1]);
        await page.locator('[data-testid="forest-plot"]').waitFor();
      }
    } else {
      console.log('# note: no effects version known (none listed by /api/effects, no MRE_EFFECTS_VERSION): forest plot not drawn');
    }
    await noUnexpectedErrorBoxes();
    await shot('effects');
  });

  await check('the effects page draws the effect against the horizon with bands and the grid overview, as the API says', async () => {
    if (missing.has('effects')) return;
    const list = (await apiGet('effects')).body;
    if (!Array.isArray(list) || !list.length) return;
    const version = list[list.length - 1].version;
    const rows = (await apiGet(`effects/${enc(version)}`)).body;
    const first = [...rows].sort((a, b) => a.treatment.localeCompare(b.treatment) || a.outcome.localeCompare(b.outcome) || a.horizon_months - b.horizon_months)[0];
    await open(`effects?version=${enc(version)}&t=${enc(first.treatment)}&o=${enc(first.outcome)}&h=${first.horizon_months}`);
    const along = rows.filter((r) => r.treatment === first.treatment && r.outcome === first.outcome);
    const pts = page.locator('[data-testid="effects-horizon-point"]');
    assert((await pts.count()) === along.length, `${await pts.count()} horizon points, the API ${along.length} horizons`);
    for (let i = 0; i < along.length; i++) {
      const hz = await pts.nth(i).getAttribute('data-horizon');
      const r = along.find((x) => String(x.horizon_months) === hz);
      assert(r, `point at horizon ${hz} the API lacks`);
      assert((await pts.nth(i).getAttribute('data-effect')) === String(r.effect), `${hz} months: effect ${await pts.nth(i).getAttribute('data-effect')}, API ${r.effect}`);
      assert((await pts.nth(i).getAttribute('data-lo')) === String(r.confidence_interval[0]) && (await pts.nth(i).getAttribute('data-hi')) === String(r.confidence_interval[1]), `${hz} months: band differs from the API's interval`);
    }
    const at = rows.filter((r) => r.horizon_months === first.horizon_months);
    const cells = page.locator('[data-testid="effects-grid-cell"]');
    assert((await cells.count()) === at.length, `${await cells.count()} grid cells, the API ${at.length} cells at ${first.horizon_months} months`);
    let marked = 0;
    for (let i = 0; i < at.length; i++) {
      const cell = cells.nth(i);
      const t = await cell.getAttribute('data-treatment');
      const o = await cell.getAttribute('data-outcome');
      const r = at.find((x) => x.treatment === t && x.outcome === o);
      assert(r, `cell ${t} → ${o} the API lacks`);
      const v = (await cell.locator('[data-testid="effects-grid-value"]').innerText()).trim();
      assert(v === fmt(r.effect, 3), `${t} → ${o}: ${v}, API ${r.effect}`);
      const q = r.diagnostics?.q_value;
      const sig = typeof q === 'number' && q < 0.05;
      const frag = r.diagnostics?.fragile === true;
      assert((await cell.getAttribute('data-significant')) === String(sig), `${t} → ${o}: significance mark differs from q ${q}`);
      assert((await cell.getAttribute('data-fragile')) === String(frag), `${t} → ${o}: fragility mark differs from the API's ${r.diagnostics?.fragile}`);
      const marks = (await cell.locator('[data-testid="effects-grid-marks"]').count()) ? (await cell.locator('[data-testid="effects-grid-marks"]').innerText()).trim() : '';
      assert(marks === `${sig ? '★' : ''}${frag ? '†' : ''}`, `${t} → ${o}: marks "${marks}"`);
      marked += sig || frag ? 1 : 0;
    }
    console.log(`# note: ${marked} of ${at.length} grid cells marked significant (BH q < 0.05) or fragile`);
    await noUnexpectedErrorBoxes();
    await shot('effects-grid');
    // A click on another cell draws that treatment and outcome.
    const other = at.find((r) => r.treatment !== first.treatment || r.outcome !== first.outcome);
    if (other) {
      await page.click(`[data-testid="effects-grid-cell"][data-treatment="${other.treatment}"][data-outcome="${other.outcome}"]`);
      await page.waitForFunction(([t, o]) => document.querySelector('[data-testid="effects-treatment"]')?.value === t && document.querySelector('[data-testid="effects-outcome"]')?.value === o, [other.treatment, other.outcome]);
      const n = rows.filter((r) => r.treatment === other.treatment && r.outcome === other.outcome).length;
      assert((await pts.count()) === n, `after the click ${await pts.count()} horizon points, the API ${n}`);
    }
  });

  await check('the effects page says whether the treatment is identified and draws the stored event study and local projection, as the API says', async () => {
    const list = (await apiGet('effects')).body;
    if (!missing.has('effects') && Array.isArray(list) && list.length) {
      const version = list[list.length - 1].version;
      const rows = (await apiGet(`effects/${enc(version)}`)).body;
      for (const t of [...new Set(rows.map((r) => r.treatment))].slice(0, 3)) {
        const r = rows.find((x) => x.treatment === t);
        await open(`effects?version=${enc(version)}&t=${enc(r.treatment)}&o=${enc(r.outcome)}&h=${r.horizon_months}`);
        const badge = page.locator('[data-testid="effects-identification"]');
        await badge.waitFor();
        assert((await badge.getAttribute('data-identified')) === String(r.diagnostics?.identified), `${t}: badge says identified=${await badge.getAttribute('data-identified')}, API ${r.diagnostics?.identified}`);
        assert((await badge.innerText()).includes(String(r.diagnostics?.identification ?? '').slice(0, 40)), `${t}: the badge lacks the API's identification text`);
      }
    }
    const studies = await apiGet('studies');
    assert(studies.status === 200 && Array.isArray(studies.body), `/api/studies answered ${studies.status}`);
    if (!studies.body.length) {
      await open('effects');
      await page.locator('[data-testid="studies-empty"]').waitFor();
      console.log('# note: no stored studies: scatter and impulse response not drawn');
      return;
    }
    let drawn = 0;
    for (const kind of ['event', 'irf']) {
      const st = studies.body.find((x) => x.kind === kind);
      if (!st) continue;
      const d = (await apiGet(`studies/${enc(st.version)}`)).body;
      await open(`effects?study=${enc(st.version)}`);
      const card = page.locator('[data-testid="effects-studies"]');
      const idb = card.locator('[data-testid="study-identification"]');
      await idb.waitFor();
      const body = kind === 'event' ? d.event_study : d.impulse_response;
      assert((await idb.getAttribute('data-identified')) === String(body.identified), `${st.version}: identification badge differs from the API`);
      if (kind === 'event') {
        const pts = card.locator('[data-testid="study-scatter-point"]');
        const finite = body.scatter.filter((p) => Number.isFinite(p[1]) && Number.isFinite(p[2]));
        assert((await pts.count()) === finite.length, `${await pts.count()} scatter points, the API ${finite.length} events`);
        for (const i of [0, Math.floor(finite.length / 2), finite.length - 1]) {
          const pt = pts.nth(i);
          assert((await pt.getAttribute('data-date')) === finite[i][0], `point ${i}: date ${await pt.getAttribute('data-date')}, API ${finite[i][0]}`);
          assert((await pt.getAttribute('data-x')) === String(finite[i][1]) && (await pt.getAttribute('data-y')) === String(finite[i][2]), `point ${i}: (x, y) differ from the API`);
        }
        const line = card.locator('[data-testid="study-fit-line"]');
        assert((await line.getAttribute('data-slope')) === String(body.effect) && (await line.getAttribute('data-intercept')) === String(body.intercept), 'the fitted line differs from the API');
        await shot('effects-event-study');
      } else {
        const pts = card.locator('[data-testid="study-irf-point"]');
        assert((await pts.count()) === body.horizons.length, `${await pts.count()} impulse points, the API ${body.horizons.length} horizons`);
        for (let i = 0; i < body.horizons.length; i++) {
          const hz = await pts.nth(i).getAttribute('data-horizon');
          const p = body.horizons.find((x) => String(x.horizon_months) === hz);
          assert(p, `impulse point ${i} at a horizon the API lacks`);
          assert((await pts.nth(i).getAttribute('data-effect')) === String(p.effect), `${p.horizon_months} months: effect differs from the API`);
          assert((await pts.nth(i).getAttribute('data-lo')) === String(p.confidence_interval[0]) && (await pts.nth(i).getAttribute('data-hi')) === String(p.confidence_interval[1]), `${p.horizon_months} months: band differs from the API`);
        }
        await shot('effects-impulse-response');
      }
      drawn += 1;
    }
    assert(drawn > 0, 'no stored study drawn');
    await noUnexpectedErrorBoxes();
  });

  await check('the scenarios page browses a stored run with dated fans, as the API stores it', async () => {
    const list = await apiGet('scenarios');
    await open('scenarios');
    if (list.status !== 200 || !list.body.length) {
      if (list.status === 200) await page.locator('[data-testid="scenario-stored-empty"]').waitFor();
      return;
    }
    const id = list.body[0].id;
    const run = (await apiGet(`scenarios/${enc(id)}`)).body;
    await open(`scenarios?stored=${enc(id)}`);
    const chart = page.locator('[data-testid="fan-chart"]');
    await chart.locator('canvas').first().waitFor();
    assert((await page.locator('[data-testid="scenario-stored"]').inputValue()) === id, 'the stored run is not selected');
    assert(Number(await chart.getAttribute('data-points')) === run.dates.length, `fan chart ${await chart.getAttribute('data-points')} days, the API ${run.dates.length}`);
    assert((await chart.getAttribute('data-dated')) === 'true', 'the fan chart has no date axis');
    assert((await chart.getAttribute('data-first')) === run.dates[0] && (await chart.getAttribute('data-last')) === run.dates[run.dates.length - 1], `fan dates ${await chart.getAttribute('data-first')}..${await chart.getAttribute('data-last')}, API ${run.dates[0]}..${run.dates[run.dates.length - 1]}`);
    const summary = await page.locator('[data-testid="scenario-summary"]').innerText();
    assert(summary.includes(id) && summary.includes(run.start) && summary.includes(run.interventions), `summary "${summary}"`);
    const effects = page.locator('[data-testid="scenario-effect-row"]');
    assert((await effects.count()) === run.effects.length, `${await effects.count()} effect rows, API ${run.effects.length}`);
    const cellsText = await effects.first().locator('td').allInnerTexts();
    assert(cellsText[0] === run.effects[0].node && cellsText[2] === fmt(run.effects[0].mean, 4), `first effect row ${cellsText.join(' | ')}, API ${run.effects[0].node} ${run.effects[0].mean}`);
    const orange = await colouredPixels('[data-testid="fan-chart"] canvas', [217, 130, 43]);
    const grey = await colouredPixels('[data-testid="fan-chart"] canvas', [95, 107, 122]);
    assert(orange > 200 && grey > 200, `fan chart looks empty (${orange} intervened, ${grey} baseline pixels)`);
    await noUnexpectedErrorBoxes();
    await shot('scenarios-stored');
  });

  await check('a scenario run draws a fan chart and the effect table', async () => {
    await open('scenarios');
    assert((await title()) === 'Scenarios', `title is ${await title()}`);
    await shot('scenarios-form');
    await page.selectOption('[data-testid="scenario-node"]', 'TP');
    await page.fill('[data-testid="scenario-size"]', '0.25');
    await page.fill('[data-testid="scenario-horizon"]', '60');
    await page.fill('[data-testid="scenario-paths"]', '500');
    await page.selectOption('[data-testid="scenario-shocks"]', 'block-bootstrap');
    await page.click('[data-testid="scenario-run"]');
    await page.locator('[data-testid="fan-chart"] canvas').first().waitFor();
    const points = Number(await page.locator('[data-testid="fan-chart"]').getAttribute('data-points'));
    assert(points === 60, `fan chart has ${points} days, expected 60`);
    const orange = await colouredPixels('[data-testid="fan-chart"] canvas', [217, 130, 43]);
    const grey = await colouredPixels('[data-testid="fan-chart"] canvas', [95, 107, 122]);
    assert(orange > 200 && grey > 200, `fan chart looks empty (${orange} intervened, ${grey} baseline pixels)`);
    const rows = await page.locator('[data-testid="scenario-effect-row"]').count();
    assert(rows >= 1, 'no effect rows');
    const summary = await page.locator('[data-testid="scenario-summary"]').innerText();
    assert(summary.includes('TP=+0.25'), `summary "${summary}" lacks the intervention`);
    await shot('scenarios');
    await page.selectOption('[data-testid="fan-node"]', 'BONDS');
    await page.locator('[data-testid="fan-chart"] canvas').first().waitFor();
    assert((await page.locator('[data-testid="fan-chart"] canvas').count()) === 1, 'more than one fan chart after switching node');
    await noUnexpectedErrorBoxes();
  });

  await check('a refused scenario shows the server’s message', async () => {
    await open('scenarios');
    const body = { interventions: ['EFFR=+0.5'], horizon: 1000000, paths: 10, shocks: 'gaussian', seed: 42 };
    const api = await apiPost('counterfactual', body);
    assert(api.status >= 400 && api.body.error, `the API accepted horizon ${body.horizon}`);
    expected.push(['counterfactual', api.status]);
    await page.fill('[data-testid="scenario-horizon"]', String(body.horizon));
    await page.fill('[data-testid="scenario-paths"]', '10');
    await page.click('[data-testid="scenario-run"]');
    const msg = await page.locator('[data-testid="scenario-error-message"]').innerText();
    assert(msg === api.body.error.message, `page says "${msg}", API says "${api.body.error.message}"`);
    await shot('scenarios-error');
  });

  await check('the data page charts and tabulates a series', async () => {
    const list = (await apiGet('series')).body;
    assert(Array.isArray(list) && list.length, 'no series in the store');
    const s = list.find((x) => /[\^=]/.test(x.ticker)) ?? list[0]; // a ticker that needs URL-encoding when there is one
    await open(`data?ticker=${encodeURIComponent(s.ticker)}`);
    assert((await title()) === 'Data', `title is ${await title()}`);
    await page.locator('[data-testid="data-chart"] canvas').first().waitFor();
    const api = await apiGet(`series/${encodeURIComponent(s.ticker)}`);
    const obs = api.body.observations;
    const points = Number(await page.locator('[data-testid="data-chart"]').getAttribute('data-points'));
    assert(points === obs.length, `chart has ${points} points, API ${obs.length}`);
    const firstRow = await page.locator('[data-testid="data-table"] tbody tr td').first().innerText();
    assert(firstRow === obs[obs.length - 1].date, `table starts at ${firstRow}, latest observation is ${obs[obs.length - 1].date}`);
    // Issue 22: freshness per series, as /api/freshness says.
    const fresh = (await apiGet('freshness')).body;
    assert(Array.isArray(fresh), '/api/freshness is not a list');
    const frows = page.locator('[data-testid="freshness-row"]');
    assert((await frows.count()) === fresh.length, `${await frows.count()} freshness rows, API ${fresh.length}`);
    for (let i = 0; i < (await frows.count()); i++) {
      const row = frows.nth(i);
      const ticker = await row.getAttribute('data-ticker');
      const want = fresh.find((x) => x.ticker === ticker);
      assert(want, `row ${i} names a ticker the API lacks`);
      const age = (await row.locator('[data-testid="freshness-age"]').innerText()).trim();
      assert(age === String(want.age_days), `${want.ticker}: age ${age}, API ${want.age_days}`);
      const status = (await row.locator('[data-testid="freshness-status"]').innerText()).trim();
      assert((status === 'stale') === want.stale, `${want.ticker}: ${status}, API stale=${want.stale}`);
    }
    await noUnexpectedErrorBoxes();
    await shot('data');
    // a date range through the form
    const from = obs[Math.max(0, obs.length - 30)].date;
    await page.fill('[data-testid="data-from"]', from);
    await page.click('[data-testid="data-load"]');
    await page.waitForFunction((n) => document.querySelector('[data-testid="data-chart"]')?.getAttribute('data-points') === String(n), Math.min(30, obs.length));
  });

  await check('the backtests page draws equity, drawdowns and every strategy\'s metrics', async () => {
    const list = (await apiGet('backtests')).body;
    await open('backtests');
    assert((await title()) === 'Backtests', `title ${await title()}`);
    if (!Array.isArray(list) || list.length === 0) {
      await page.locator('[data-testid="backtest-empty"]').waitFor();
    } else {
      const v = list[list.length - 1].version;
      const data = (await apiGet(`backtests/${encodeURIComponent(v)}?daily=1`)).body;
      await page.locator('[data-testid="backtest-equity"] canvas').first().waitFor();
      await page.locator('[data-testid="backtest-drawdown"] canvas').first().waitFor();
      const points = Number(await page.locator('[data-testid="backtest-equity"]').getAttribute('data-points'));
      assert(points === data.strategies[0].days.length, `equity chart has ${points} points, the API ${data.strategies[0].days.length} days`);
      const rows = page.locator('[data-testid="backtest-row"]');
      assert((await rows.count()) === data.strategies.length, `${await rows.count()} table rows for ${data.strategies.length} strategies`);
      const sharpe = data.strategies[0].metrics.sharpe;
      const text = await rows.first().innerText();
      assert(text.startsWith(data.strategies[0].name), `first row ${text}`);
      if (sharpe !== null) assert(text.includes(String(Number(sharpe.toFixed(2)))), `first row ${text} lacks the Sharpe ${sharpe}`);
    }
    await noUnexpectedErrorBoxes();
    await shot('backtests');
  });

  await check('the health page shows one line per failing check, as the API reports them', async () => {
    const api = await apiGet('health/details');
    assert(api.status === 200 && Array.isArray(api.body.checks), `GET /api/health/details answered ${api.status}`);
    await open('health');
    assert((await title()) === 'Health', `title is ${await title()}`);
    const summary = await page.locator('[data-testid="health-summary"]').innerText();
    assert(summary.includes(`as of ${api.body.as_of}`), `summary "${summary}" lacks the as-of date ${api.body.as_of}`);
    const red = api.body.checks.filter((c) => c.status === 'red').length;
    const amber = api.body.checks.filter((c) => c.status === 'amber').length;
    assert((await page.locator('[data-testid="health-row-red"]').count()) === red, `page rows differ from the API's ${red} red checks`);
    assert((await page.locator('[data-testid="health-row-amber"]').count()) === amber, `page rows differ from the API's ${amber} amber checks`);
    if (red) {
      const first = api.body.checks.find((c) => c.status === 'red');
      const cells = await page.locator('[data-testid="health-row-red"]').first().locator('td').allInnerTexts();
      assert(cells[4] === (first.first_failed ?? ''), `first red row's first-failed "${cells[4]}", API "${first.first_failed}"`);
    }
    await page.click('[data-testid="health-toggle"]');
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid^="health-row-"]').length === n, api.body.checks.length);
    await noUnexpectedErrorBoxes();
    await shot('health');
  });

  await check('the navigation reaches every page', async () => {
    await open('overview');
    for (const [route, name] of [['regimes', 'Regime history'], ['effects', 'Effects'], ['scenarios', 'Scenarios'], ['backtests', 'Backtests'], ['data', 'Data'], ['health', 'Health'], ['overview', 'Overview']]) {
      await page.click(`[data-testid="nav-${route}"]`);
      await page.locator(`[data-testid="page"][data-page="${route}"][data-ready="true"]`).waitFor();
      assert((await title()) === name, `after clicking ${route} the title is ${await title()}`);
    }
    await noUnexpectedErrorBoxes();
  });
} finally {
  await browser.close();
}

console.log(`# screenshots in ${shots}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
