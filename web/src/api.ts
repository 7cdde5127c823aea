// The JSON API of `mre serve`, on the same origin as the dashboard. Every failure becomes an
// ApiError whose message a person can read: the server's own {"error": {code, message}} when it
// sent one, otherwise what went wrong on the way.

export interface Health {
  status: string;
  store: string;
  schema_version: number;
}

export interface SeriesInfo {
  ticker: string;
  asset_class: string;
  first: string;
  last: string;
  observations: number;
  rows: number;
  source: string;
  last_ingested_at: string;
}

export interface Observation {
  date: string;
  value: number | null;
}

export interface SeriesData {
  ticker: string;
  as_of: string | null;
  observations: Observation[];
}

export interface RegimeVersion {
  version: string;
  kind: string;
  spec: string;
  feature_version: string;
  labels: string[];
  rows: number;
  first: string;
  last: string;
  created_at: string;
}

export interface RegimeRow {
  date: string;
  regime: string;
  score: number;
  probabilities: Record<string, number>;
}

export interface RegimeData {
  version: string;
  kind: string;
  feature_version: string;
  labels: string[];
  regimes: RegimeRow[];
}

export interface RegimeBlock {
  regime_label: string;
  confidence_score: number;
  regime_probabilities: Record<string, number>;
  regime_type?: string;
}

export interface IndicatorFreshness {
  name: string;
  inputs: string[];
  proxy: boolean;
  last: string | null;
  age_days: number | null;
  used: boolean;
  stale: boolean;
}

export interface ClassificationFreshness {
  as_of: string;
  data_timestamp: string;
  data_age_days: number | null;
  indicators_used: number;
  indicators_total: number;
  indicators_stale: number;
  indicators: IndicatorFreshness[];
  mapping: { approved: boolean; sign_offs: { model: string; approved: boolean; approved_by: string; approved_at: string }[] };
}

export interface SeriesFreshness {
  ticker: string;
  asset_class: string;
  in_universe: boolean;
  frequency: string;
  last: string;
  age_days: number;
  allowance_days: number;
  ended: string | null;
  stale: boolean;
}

export interface Classification {
  data_timestamp: string;
  classifier_version?: string;
  freshness?: ClassificationFreshness;
  global_macro_regime: RegimeBlock;
  contextual_regime?: RegimeBlock;
  volatility_classification?: {
    volatility_regime: string;
    volatility_index_name: string;
    volatility_index_value: number;
  };
  [key: string]: unknown;
}

export interface Narrative {
  text: string;
  data_timestamp?: string;
  global_label?: string;
  confidence?: number;
  source?: string;
  note?: string;
  classifier_version?: string;
  freshness?: ClassificationFreshness;
}

export interface EffectVersion {
  version: string;
  spec: string;
  feature_version: string;
  regime_version: string;
  rows: number;
  created_at: string;
}

export interface RegimeEffect {
  effect: number;
  confidence_interval: [number, number];
  p_value: number;
}

export interface Placebo {
  kind: string;
  effect: number;
  p_value: number;
}

export interface EffectRow {
  treatment: string;
  outcome: string;
  horizon_months: number;
  method: string;
  learner: string;
  effect: number;
  confidence_interval: [number, number];
  uncertainty: number;
  p_value: number;
  observations: number;
  regime_effects?: Record<string, RegimeEffect>;
  placebo?: Placebo[];
  diagnostics?: Record<string, unknown>;
}

/** GET /api/studies: stored event studies and impulse responses (issue 17). */
export interface StudyInfo {
  version: string;
  kind: 'event' | 'irf';
  treatment: string;
  outcome: string;
  identified: boolean;
  spec: string;
  created_at: string;
}

/** GET /api/studies/{version}: an event study (with its scatter) or an impulse response. */
export interface StudyDetail {
  event_study?: {
    treatment: string;
    outcome: string;
    identified: boolean;
    identification: string;
    window_days: number;
    response: string;
    effect: number;
    intercept: number;
    confidence_interval: [number, number];
    p_value_hac: number;
    events: number;
    per_unit: string;
    effect_per_unit: number;
    scatter: [string, number, number][];
  };
  impulse_response?: {
    treatment: string;
    outcome: string;
    identified: boolean;
    identification: string;
    response: string;
    inference: string;
    per_unit: string;
    horizons: { horizon_months: number; effect: number; se: number; confidence_interval: [number, number]; p_value: number; observations: number }[];
  };
  explanation: string;
  methodology: string;
}

export interface ScmVersion {
  version: string;
  first: string;
  last: string;
  nodes: string[];
  created_at: string;
}

export interface CounterfactualRequest {
  version?: string;
  interventions: string[];
  start?: string;
  horizon: number;
  paths: number;
  shocks: string;
  seed: number;
}

export type Fan = number[][]; // per day: [q05, q25, q50, q75, q95]

export interface EffectSummary {
  node: string;
  unit: string;
  mean: number;
  q05: number;
  q25: number;
  q50: number;
  q75: number;
  q95: number;
  // Parameter and shock uncertainty: bootstrap replicates' coefficients on their own paths.
  uncertainty?: { estimate: number; lo90: number; hi90: number; lo95: number; hi95: number };
}

export interface CounterfactualResult {
  scm_version: string;
  id: string;
  start: string;
  horizon: number;
  paths: number;
  shocks: string;
  interventions: string | string[];
  quantiles: number[];
  fans: { baseline: Record<string, Fan>; intervened: Record<string, Fan> };
  dates?: string[]; // day 1..horizon of the fans: the business days after the start
  effects: EffectSummary[];
  narrative?: string;
}

/** GET /api/classification/history: a classifier's named history, the shape of a regime version. */
export interface ClassifierHistory extends RegimeData {
  approved: boolean;
  trained_from: string | null;
  trained_to: string | null;
  unclassified_rows: number;
}

export interface RegimeProfileAsset {
  asset: string;
  regime: string;
  days: number;
  annual_mean: number | null;
  annual_volatility: number | null;
  sharpe: number | null;
  worst_day: number | null;
  worst_date: string;
}

/** GET /api/regimes/{v}/profile (issue 19): regime-conditional statistics from the filtered labels. */
export interface RegimeProfile {
  version: string;
  kind: string;
  first: string;
  last: string;
  labels: string[];
  periods: number[];
  transition_counts: (number | null)[][];
  transitions: (number | null)[][];
  expected_durations: (number | null)[];
  assets: RegimeProfileAsset[];
  notes: string[];
}

export interface StoredScenario {
  id: string;
  scm_version: string;
  name: string;
  interventions: string;
  shocks: string;
  start: string;
  horizon: number;
  paths: number;
  seed: number;
  created_at: string;
}

/** GET /api/scenarios/{id}: a stored run's fans, dated, and its effects at the horizon. */
export interface StoredScenarioFans extends StoredScenario {
  dates: string[];
  quantiles: number[];
  fans: { baseline: Record<string, Fan>; intervened: Record<string, Fan> };
  effects: EffectSummary[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly path: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The server has no such route: an mre serve older than this dashboard. */
  get missingEndpoint(): boolean {
    return this.status === 404 && /no such endpoint/i.test(this.message);
  }
}

const TOKEN_KEY = 'mre-token';

export function savedToken(): string {
  try {
    return localStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function saveToken(token: string): void {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    /* storage disabled: the token lasts for this page only */
  }
}

interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: unknown;
  signal?: AbortSignal;
}

export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  const token = savedToken();
  if (token) headers.Authorization = `Bearer ${token}`;
  let res: Response;
  try {
    res = await fetch(`api/${path}`, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'Cannot reach the mre server. Is `mre serve` still running?', path);
  }
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: handled below */
  }
  if (!res.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    if (err?.message) throw new ApiError(res.status, err.code ?? 'error', err.message, path);
    throw new ApiError(
      res.status,
      'http',
      `The server answered HTTP ${res.status}${res.statusText ? ' ' + res.statusText : ''} without an explanation. Is /api served by mre serve?`,
      path,
    );
  }
  if (body === undefined) {
    throw new ApiError(res.status, 'bad_response', 'The server sent a response that is not JSON.', path);
  }
  return body as T;
}

const enc = encodeURIComponent;

function query(params: Record<string, string | undefined>): string {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${enc(k)}=${enc(v as string)}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

export const api = {
  health: (signal?: AbortSignal) => request<Health>('health', { signal }),
  series: (signal?: AbortSignal) => request<SeriesInfo[]>('series', { signal }),
  freshness: (signal?: AbortSignal) => request<SeriesFreshness[]>('freshness', { signal }),
  seriesData: (ticker: string, p: { from?: string; to?: string; as_of?: string }, signal?: AbortSignal) =>
    request<SeriesData>(`series/${enc(ticker)}${query(p)}`, { signal }),
  regimes: (signal?: AbortSignal) => request<RegimeVersion[]>('regimes', { signal }),
  regimeData: (version: string, p: { from?: string; to?: string }, signal?: AbortSignal) =>
    request<RegimeData>(`regimes/${enc(version)}${query(p)}`, { signal }),
  compareRegimes: (a: string, b: string, signal?: AbortSignal) =>
    request<unknown>(`regimes/compare${query({ a, b })}`, { signal }),
  classification: (p: { version?: string; instrument_type?: string }, signal?: AbortSignal) =>
    request<Classification>(`classification/current${query(p)}`, { signal }),
  narrative: (p: { version?: string; instrument_type?: string }, signal?: AbortSignal) =>
    request<Narrative>(`narrative${query(p)}`, { signal }),
  classifierHistory: (p: { version?: string; from?: string; to?: string }, signal?: AbortSignal) =>
    request<ClassifierHistory>(`classification/history${query(p)}`, { signal }),
  regimeProfile: (version: string, assets: string, signal?: AbortSignal) =>
    request<RegimeProfile>(`regimes/${enc(version)}/profile${query({ assets })}`, { signal }),
  classifierProfile: (p: { version?: string; assets?: string }, signal?: AbortSignal) =>
    request<RegimeProfile>(`classification/history/profile${query(p)}`, { signal }),
  scenarios: (signal?: AbortSignal) => request<StoredScenario[]>('scenarios', { signal }),
  scenario: (id: string, signal?: AbortSignal) => request<StoredScenarioFans>(`scenarios/${enc(id)}`, { signal }),
  effectVersions: (signal?: AbortSignal) => request<EffectVersion[]>('effects', { signal }),
  effects: (version: string, signal?: AbortSignal) => request<EffectRow[]>(`effects/${enc(version)}`, { signal }),
  studies: (signal?: AbortSignal) => request<StudyInfo[]>('studies', { signal }),
  study: (version: string, signal?: AbortSignal) => request<StudyDetail>(`studies/${enc(version)}`, { signal }),
  scmVersions: (signal?: AbortSignal) => request<ScmVersion[]>('scm', { signal }),
  counterfactual: (body: CounterfactualRequest, signal?: AbortSignal) =>
    request<CounterfactualResult>('counterfactual', { method: 'POST', body, signal }),
};
