// The MRE dashboard: pages over mre serve's JSON API.
import './style.css';
import { api } from './api';
import { startRouter } from './router';
import { overviewPage } from './pages/overview';
import { regimesPage } from './pages/regimes';
import { effectsPage } from './pages/effects';
import { scenariosPage } from './pages/scenarios';
import { dataPage } from './pages/data';
import { backtestsPage } from './pages/backtests';
import { healthPage } from './pages/health';

const app = document.getElementById('app')!;
const nav = document.getElementById('nav')!;
const health = document.getElementById('health')!;

startRouter([overviewPage, regimesPage, effectsPage, scenariosPage, backtestsPage, dataPage, healthPage], app, nav, 'overview');

api
  .health()
  .then((h) => {
    health.textContent = `● ${h.status}`;
    health.className = 'health ok';
    health.title = `${h.store} (schema ${h.schema_version})`;
  })
  .catch((e) => {
    health.textContent = '● server unreachable';
    health.className = 'health bad';
    health.title = e instanceof Error ? e.message : String(e);
  });
