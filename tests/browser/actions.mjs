// End-to-end check of the dashboard's node actions in a real browser, with auth on:
// tick three rows and cordon them from the toolbar with a reason, uncordon one
// from its row, list a node's pods in its panel, drain it from its row and follow
// the drain to its end, then see a viewer's cordon refused with the 403 shown.
// Each change is checked with kubectl on the simulator too.
//
//   NODECAST_URL=http://127.0.0.1:8080 SIM_KUBECONFIG=/tmp/demo.kubeconfig \
//     OPERATOR_TOKEN=… VIEWER_TOKEN=… node tests/browser/actions.mjs
//
// Env: as dashboard.mjs (EXPECT_SEVERITY_TAG aside), plus OPERATOR_TOKEN and
// VIEWER_TOKEN (required): tokens of the server's operator and viewer roles. The
// simulator must have node-0001 to node-0006, uncordoned, with pods on node-0006
// that a drain can evict. Exits 0 when every step passed, 1 with the reason otherwise.

import {
  StepFailed, kubectl, log, openDashboard, page, rowIs, run, saveScreenshot, step, waitFor,
} from './dashboard.mjs';

const CLUSTER = 'demo';
const CORDONED = ['node-0002', 'node-0003', 'node-0004'];
const UNCORDONED = 'node-0004';
const DRAINED = 'node-0006';
const REFUSED = 'node-0001';
const REASON = 'kernel upgrade';

const operator = process.env.OPERATOR_TOKEN;
const viewer = process.env.VIEWER_TOKEN;

const row = (name) => `#nodes tbody tr[data-name="${name}"]`;

async function click(what, selector) {
  await step(`click ${what}`, 10_000, () => page.click(selector, { timeout: 8_000 }));
}

// Confirms the open dialog, after checking it asks about `title`.
async function confirm(title, { reason, check = [] } = {}) {
  await waitFor('the confirm dialog', 5_000, () => document.getElementById('confirm').open);
  const shown = await page.textContent('#confirm-title');
  if (shown !== title) throw new StepFailed(`the confirm dialog asks "${shown}", expected "${title}"`);
  if (reason !== undefined) await step('type the reason', 5_000, () => page.fill('#confirm-reason', reason));
  for (const option of check) {
    await step(`tick ${option}`, 5_000, () => page.check(`#confirm input[name="${option}"]`));
  }
  await click('the confirm button', '#confirm-ok');
  await waitFor('the confirm dialog to close', 5_000, () => !document.getElementById('confirm').open);
}

async function scenario() {
  if (!operator || !viewer) throw new StepFailed('OPERATOR_TOKEN and VIEWER_TOKEN must be set (the server runs with auth on)');
  await openDashboard(`?cluster=${CLUSTER}&token=${encodeURIComponent(operator)}`, 6);

  for (const name of CORDONED) await click(`the checkbox of ${name}`, `${row(name)} td.c-pick input`);
  await waitFor('the toolbar to count 3 selected', 5_000, () =>
    document.getElementById('picked').textContent === '3 selected'
      && !document.querySelector('#toolbar button[data-bulk="cordon"]').disabled);
  await click('Cordon in the toolbar', '#toolbar button[data-bulk="cordon"]');
  await confirm('Cordon 3 nodes?', { reason: REASON });
  await waitFor('the cordon card to show each node done', 10_000, (names) => {
    const card = document.querySelector('#activity .card[data-kind="cordon"]');
    return card?.dataset.state === 'done'
      && names.every((name) => card.querySelector(`li[data-node="${name}"][data-ok="true"]`));
  }, CORDONED);
  for (const name of CORDONED) {
    await waitFor(`${name} to show cordoned`, 10_000, rowIs, { name, schedulable: false, changed: false });
  }
  const nodes = kubectl('get', 'nodes', ...CORDONED, '--no-headers');
  for (const name of CORDONED) {
    const line = nodes.split('\n').find((l) => l.startsWith(`${name} `));
    if (!line || !line.includes('SchedulingDisabled')) throw new StepFailed(`kubectl shows ${name} as: ${line}`);
  }
  const recorded = kubectl('get', 'node', CORDONED[0], '-o', 'jsonpath={.metadata.annotations.nodecast\\.io/cordon-reason}');
  if (recorded !== REASON) throw new StepFailed(`the cordon reason on ${CORDONED[0]} is "${recorded}", expected "${REASON}"`);

  await click(`uncordon in the row of ${UNCORDONED}`, `${row(UNCORDONED)} button[data-action="uncordon"]`);
  await confirm(`Uncordon ${UNCORDONED}?`);
  await waitFor(`${UNCORDONED} to show schedulable`, 10_000, rowIs, { name: UNCORDONED, schedulable: true, changed: false });
  if (kubectl('get', 'node', UNCORDONED, '--no-headers').includes('SchedulingDisabled')) {
    throw new StepFailed(`kubectl still shows ${UNCORDONED} cordoned`);
  }

  await click(`the name of ${DRAINED}`, `${row(DRAINED)} td.c-name`);
  await waitFor(`the panel of ${DRAINED} to list and count its pods`, 10_000, (name) => {
    const panel = document.getElementById('details');
    return !panel.hidden && panel.querySelector('h2').firstChild.textContent === name
      && panel.querySelectorAll('ul.pods li[data-pod]').length === 3
      && document.getElementById('pod-count')?.textContent === '3'
      && /^(just now|\d+s ago)$/.test(document.getElementById('pod-count-age').textContent);
  }, DRAINED);
  const listed = await page.$$eval('#details ul.pods li[data-pod]', (items) => items.map((li) => li.dataset.pod).sort());
  const selector = `spec.nodeName=${DRAINED}`;
  const running = kubectl('get', 'pods', '-A', '--no-headers', '--field-selector', selector)
    .trim().split('\n').map((line) => line.split(/\s+/).slice(0, 2).join('/')).sort();
  if (JSON.stringify(listed) !== JSON.stringify(running)) {
    throw new StepFailed(`the panel lists ${listed.join(', ')}; kubectl lists ${running.join(', ')}`);
  }
  log(`the panel lists the pods kubectl lists: ${listed.join(', ')}`);

  await click(`drain in the row of ${DRAINED}`, `${row(DRAINED)} button[data-action="drain"]`);
  await confirm(`Drain ${DRAINED}?`, { reason: REASON, check: ['force', 'ignore_daemonsets'] });
  await waitFor('the drain card to show the operation succeeded, each pod gone', 30_000, (name) => {
    const card = document.querySelector('#activity .card[data-kind="drain"]');
    const node = card?.querySelector(`.op-node[data-node="${name}"]`);
    const pods = node ? [...node.querySelectorAll('li[data-pod]')] : [];
    return card?.dataset.state === 'succeeded' && node?.dataset.state === 'drained'
      && pods.length === 3 && pods.every((li) => li.dataset.state === 'gone');
  }, DRAINED);
  const messages = await page.evaluate(() => window.nodecastDashboard.state.operationMessages);
  if (!messages) throw new StepFailed('the drain was followed without a single operation message on the WebSocket');
  log(`${messages} operation messages reached the page`);
  const left = kubectl('get', 'pods', '-A', '--no-headers', '--field-selector', selector).trim();
  if (left) throw new StepFailed(`pods are left on ${DRAINED}:\n${left}`);
  // The server counts pods at most every 15 s, so only the list must be empty yet.
  await waitFor(`${DRAINED} to show cordoned and its panel no pods`, 10_000, (name) =>
    document.querySelector(`#nodes tbody tr[data-name="${name}"]`).dataset.schedulable === 'false'
      && document.querySelector('#details ul.pods li.dim')?.textContent === 'no pods'
      && document.querySelectorAll('#details ul.pods li[data-pod]').length === 0, DRAINED);
  await saveScreenshot();

  await openDashboard(`?cluster=${CLUSTER}&token=${encodeURIComponent(viewer)}`, 6);
  await click(`cordon in the row of ${REFUSED}, as a viewer`, `${row(REFUSED)} button[data-action="cordon"]`);
  await confirm(`Cordon ${REFUSED}?`);
  await waitFor('the cordon card to show the 403 as an error', 10_000, () => {
    const card = document.querySelector('#activity .card[data-kind="cordon"]');
    return card?.dataset.state === 'error' && / 403 /.test(card.querySelector('.error')?.textContent ?? '')
      && document.getElementById('status-msg').classList.contains('error');
  });
  log(`the page shows: ${await page.textContent('#activity .card .error')}`);
  if (kubectl('get', 'node', REFUSED, '--no-headers').includes('SchedulingDisabled')) {
    throw new StepFailed(`the viewer's cordon of ${REFUSED} went through`);
  }
}

await run('actions', scenario, () => ({
  activity: document.getElementById('activity')?.innerText.slice(0, 2000),
  details: document.getElementById('details')?.innerText.slice(0, 1000),
  dialog: document.getElementById('confirm')?.open ? document.getElementById('confirm').innerText : null,
}));
