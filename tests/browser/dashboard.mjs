// End-to-end check of the dashboard in a real browser: the page shows the demo
// cluster's nodes, a `kubectl cordon` reaches the table through the WebSocket hub,
// and a dropped socket reconnects (resuming with `since`). Also the harness that
// actions.mjs runs its scenario with.
//
//   NODECAST_URL=http://127.0.0.1:8080 SIM_KUBECONFIG=/tmp/demo.kubeconfig \
//     node tests/browser/dashboard.mjs
//
// Env: NODECAST_URL (required), SIM_KUBECONFIG (required), SCREENSHOT (default
// target/dashboard.png), CHROMIUM (default /usr/bin/chromium), KUBECTL (default
// kubectl), EXPECT_SEVERITY_TAG (set when the server's chain runs the
// severity-tagger plugin: the cordoned row must show its tag). Exits 0 when
// every step passed, 1 with the reason otherwise.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const NODE = 'node-0042';
const CLUSTER = 'demo';
// The whole run, so that a hung browser or server cannot hang the caller's test.
const OVERALL_MS = 120_000;

export const base = (process.env.NODECAST_URL || '').replace(/\/+$/, '');
export const kubeconfig = process.env.SIM_KUBECONFIG;
export const screenshot = process.env.SCREENSHOT || 'target/dashboard.png';
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
const kubectlBin = process.env.KUBECTL || 'kubectl';

const started = Date.now();
let name = 'dashboard';
export const log = (message) => console.log(`[${name} ${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);

export class StepFailed extends Error {}

let browser;
// One page per run; a live binding, so that scenarios importing it see it once opened.
export let page;
const pageErrors = [];
const consoleLines = [];
const socketLog = [];

// Runs `scenario` in a new page of a headless Chromium, then exits: 0 when every
// step passed, 1 with the reason otherwise. On failure, `describe` (run in the
// page with `describeArg`) adds what the page shows of the scenario's subject to the report.
export async function run(scenarioName, scenario, describe = () => null, describeArg = null) {
  name = scenarioName;
  const overall = setTimeout(() => {
    console.error(`${name} test: FAILED: the whole run took longer than ${OVERALL_MS / 1000} s`);
    process.exit(1);
  }, OVERALL_MS);
  let code = 0;
  try {
    await launch();
    await scenario();
    if (pageErrors.length) throw new StepFailed(`the page threw: ${pageErrors.join(' | ')}`);
    log(`passed; screenshot at ${screenshot}`);
  } catch (error) {
    code = 1;
    console.error(`${name} test: FAILED: ${error instanceof StepFailed ? error.message : error.stack || error}`);
    await describePage(describe, describeArg);
  } finally {
    if (browser) await browser.close().catch(() => {});
    clearTimeout(overall);
  }
  process.exit(code);
}

async function launch() {
  if (!base) throw new StepFailed('NODECAST_URL is not set (the server base URL, e.g. http://127.0.0.1:8080)');
  if (!kubeconfig) throw new StepFailed('SIM_KUBECONFIG is not set (the kubeconfig of the simulated cluster)');
  if (!existsSync(kubeconfig)) throw new StepFailed(`SIM_KUBECONFIG names ${kubeconfig}, which does not exist`);
  if (!existsSync(executablePath)) {
    throw new StepFailed(`no browser at ${executablePath} (apt-get install chromium, or set CHROMIUM)`);
  }

  browser = await step('launch chromium', 30_000, () =>
    chromium.launch({
      executablePath,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--disable-sync', '--no-first-run', '--disable-quic'],
    }));
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    consoleLines.push(`${message.type()}: ${message.text()}`);
    if (consoleLines.length > 50) consoleLines.shift();
  });
  page.on('websocket', (ws) => {
    socketLog.push(`open ${ws.url().replace(/token=[^&]*/, 'token=…')}`);
    ws.on('close', () => socketLog.push(`close ${ws.url().replace(/token=[^&]*/, 'token=…')}`));
  });
}

// Loads the dashboard with `query` and waits until it shows at least `rows` nodes, live.
export async function openDashboard(query, rows) {
  const url = `${base}/${query}`;
  await step(`load ${url.replace(/token=[^&]*/, 'token=…')}`, 20_000, async () => {
    const response = await page.goto(url, { waitUntil: 'domcontentloaded' });
    if (!response || !response.ok()) {
      throw new StepFailed(`GET ${url} answered ${response ? response.status() : 'nothing'}`);
    }
  });
  await waitFor(`at least ${rows} rows in the table`, 30_000,
    (n) => document.querySelectorAll('#nodes tbody tr').length >= n, rows);
  await waitFor('the badge to say connected', 15_000, () => {
    const badge = document.getElementById('badge');
    return badge && badge.textContent.trim() === 'connected' && badge.classList.contains('connected');
  });
}

async function live() {
  await openDashboard(`?cluster=${CLUSTER}`, 10);

  const before = await rowState();
  if (!before) {
    throw new StepFailed(`${NODE} is not in the table (did the simulator's churn remove it? run the simulator with churn 0)`);
  }
  if (before.schedulable) {
    log(`${NODE} is schedulable; cordoning it`);
  } else {
    // Only an actual change makes an event; undo a cordon left by churn or an earlier run first.
    log(`${NODE} is already cordoned; uncordoning it first`);
    kubectl('uncordon', NODE);
    await waitFor(`${NODE} to be schedulable again`, 15_000, rowIs, { name: NODE, schedulable: true, changed: false });
  }

  kubectl('cordon', NODE);
  await waitFor(`${NODE} to show cordoned and highlighted as changed`, 15_000, rowIs,
    { name: NODE, schedulable: false, changed: true });
  if (process.env.EXPECT_SEVERITY_TAG) {
    // The server's chain runs the severity-tagger plugin, which tags a cordon.
    await waitFor(`${NODE} to show the event's severity=warning tag`, 5_000, (name) => {
      const tag = document.querySelector(`#nodes tbody tr[data-name="${name}"] td.c-change .tag.warning`);
      return tag !== null && tag.textContent === 'severity=warning';
    }, NODE);
  }

  await page.evaluate((name) => {
    document.querySelector(`#nodes tbody tr[data-name="${name}"]`).scrollIntoView({ block: 'center' });
  }, NODE);
  await saveScreenshot();

  await step('drop the WebSocket from the page', 5_000, () => page.evaluate(() => {
    const dashboard = window.nodecastDashboard;
    if (!dashboard || !dashboard.socket) throw new Error('window.nodecastDashboard.socket is missing');
    window.__droppedSocket = dashboard.socket;
    dashboard.socket.close();
  }));
  await waitFor('a new socket and the badge to say connected again', 15_000, () => {
    const dashboard = window.nodecastDashboard;
    const badge = document.getElementById('badge');
    return dashboard.socket !== window.__droppedSocket && dashboard.socket.readyState === WebSocket.OPEN
      && badge.textContent.trim() === 'connected';
  });
  const resumedUrl = await page.evaluate(() => window.nodecastDashboard.socket.url);
  if (!/[?&]since=\d+/.test(resumedUrl) || !/[?&]epoch=/.test(resumedUrl)) {
    throw new StepFailed(`the reconnect did not resume with since and epoch: ${resumedUrl}`);
  }
  log('reconnected with since and epoch');

  // The row survives the reconnect (no empty table while resuming).
  const after = await rowState();
  if (!after || after.schedulable) {
    throw new StepFailed(`after the reconnect ${NODE} shows ${JSON.stringify(after)}, expected cordoned`);
  }
}

export async function saveScreenshot() {
  mkdirSync(path.dirname(path.resolve(screenshot)), { recursive: true });
  await step(`screenshot to ${screenshot}`, 15_000, () => page.screenshot({ path: screenshot, fullPage: false }));
}

// kubectl on the simulator; its standard output.
export function kubectl(...args) {
  const full = ['--kubeconfig', kubeconfig, ...args];
  log(`kubectl ${full.join(' ')}`);
  try {
    const out = execFileSync(kubectlBin, full, { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    log(`kubectl: ${out.trim()}`);
    return out;
  } catch (error) {
    const detail = error.code === 'ENOENT' ? `${kubectlBin} not found on PATH` : (error.stderr || error.message).trim();
    throw new StepFailed(`kubectl ${args.join(' ')} failed: ${detail}`);
  }
}

// What the page shows of the node, read from the DOM as a person would see it.
function rowState() {
  return page.evaluate((name) => {
    const tr = document.querySelector(`#nodes tbody tr[data-name="${name}"]`);
    if (!tr) return null;
    const cell = tr.querySelector('td.c-sched');
    return {
      schedulable: tr.dataset.schedulable === 'true',
      schedText: cell ? cell.textContent.trim() : null,
      changed: tr.classList.contains('changed'),
      visible: !tr.hidden,
    };
  }, NODE);
}

// Runs in the page: whether the row of `name` shows it (un)cordoned, and if asked, highlighted.
export function rowIs({ name, schedulable, changed }) {
  const tr = document.querySelector(`#nodes tbody tr[data-name="${name}"]`);
  if (!tr || tr.hidden) return false;
  const text = tr.querySelector('td.c-sched').textContent.trim();
  const shown = schedulable ? text === 'yes' && tr.dataset.schedulable === 'true'
    : text === 'cordoned' && tr.dataset.schedulable === 'false';
  return shown && (!changed || tr.classList.contains('changed'));
}

export async function waitFor(what, timeout, predicate, arg) {
  return step(`wait for ${what}`, timeout + 1_000, async () => {
    try {
      await page.waitForFunction(predicate, arg, { timeout, polling: 100 });
    } catch (error) {
      if (error.name === 'TimeoutError') throw new StepFailed(`timed out after ${timeout / 1000} s waiting for ${what}`);
      throw error;
    }
  });
}

// Runs one step under its own deadline, so a failure names the step that hung.
export async function step(name, timeout, action) {
  const begun = Date.now();
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new StepFailed(`step "${name}" took longer than ${timeout / 1000} s`)), timeout);
  });
  try {
    const result = await Promise.race([action(), deadline]);
    log(`ok: ${name} (${Date.now() - begun} ms)`);
    return result;
  } catch (error) {
    if (error instanceof StepFailed) throw error;
    // Playwright colours its call logs; a test log reads better without the escapes.
    const message = String(error.message).replace(/\x1b\[[0-9;]*m/g, '');
    throw new StepFailed(`step "${name}" failed: ${message}`);
  } finally {
    clearTimeout(timer);
  }
}

// On failure, what the page showed, so the cause can be read from the test log alone.
async function describePage(describe, describeArg) {
  if (!page) return;
  try {
    const seen = await page.evaluate(() => ({
      url: location.href.replace(/token=[^&]*/, 'token=…'),
      badge: document.getElementById('badge')?.textContent,
      status: document.getElementById('status')?.textContent.trim(),
      rows: document.querySelectorAll('#nodes tbody tr').length,
      state: window.nodecastDashboard ? (({ cluster, connection, events, snapshots, resumes, gaps }) =>
        ({ cluster, connection, events, snapshots, resumes, gaps }))(window.nodecastDashboard.state) : null,
    }));
    seen.subject = await page.evaluate(describe, describeArg);
    console.error(`page: ${JSON.stringify(seen, null, 2)}`);
  } catch (error) {
    console.error(`(could not read the page: ${error.message})`);
  }
  if (socketLog.length) console.error(`websockets:\n  ${socketLog.join('\n  ')}`);
  if (pageErrors.length) console.error(`page errors:\n  ${pageErrors.join('\n  ')}`);
  if (consoleLines.length) console.error(`console:\n  ${consoleLines.join('\n  ')}`);
  try {
    const failure = screenshot.replace(/(\.png)?$/, '.failure.png');
    mkdirSync(path.dirname(path.resolve(failure)), { recursive: true });
    await page.screenshot({ path: failure, timeout: 5_000 });
    console.error(`failure screenshot: ${failure}`);
  } catch { /* the browser may be gone */ }
}

// Run as a script (not imported by another scenario): the live-update scenario.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await run('dashboard', live, (name) =>
    document.querySelector(`#nodes tbody tr[data-name="${name}"]`)?.outerHTML.slice(0, 600) ?? null, NODE);
}
