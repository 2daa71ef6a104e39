// Connects real WebSocket clients to the live servers of openapi/live.sh,
// provokes every server message the protocol has, and validates each frame
// received (and each client message sent) against its message's payload
// schema in nodecast-events.yaml. Fails on any invalid frame, any expected
// message type never seen, or any protocol rule the document states that the
// server did not keep.
import { execFileSync } from 'node:child_process';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import WebSocket from 'ws';
import { load } from './spec.mjs';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run under openapi/live.sh`);
  return value;
};
const LIVE_URL = env('LIVE_URL');
const LIVE_AUTH_URL = env('LIVE_AUTH_URL');
const VIEWER = env('LIVE_VIEWER_TOKEN');
const KUBECONFIG = env('LIVE_KUBECONFIG');
const CLUSTER = 'demo';
const WS_PATH = '/api/v1/ws/nodes';
const wsUrl = (base, query) => `${base.replace(/^http/, 'ws')}${WS_PATH}?${new URLSearchParams(query)}`;

// --- the contract -----------------------------------------------------------

const { document, diagnostics } = await load();
const specErrors = diagnostics.filter((d) => d.severity === 'error');
if (specErrors.length > 0) {
  console.error(specErrors);
  throw new Error('nodecast-events.yaml does not parse; run validate.sh');
}
const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);
// The parser names every schema it resolved with this annotation.
ajv.addKeyword('x-parser-schema-id');
const namesOf = (operations) => new Set(operations.flatMap((op) => op.messages().all().map((m) => m.name())));
const serverMessages = namesOf(document.operations().filterBySend());
const clientMessages = namesOf(document.operations().filterByReceive());
const validators = new Map(document.messages().all().map((m) => [m.name(), ajv.compile(m.payload().json())]));
const EXPECTED = [
  'connected', 'snapshot', 'node_add', 'node_update', 'node_delete', 'resync', 'ping',
  'subscribed', 'unsubscribed', 'error', 'test', 'operation', 'batch',
];
for (const name of EXPECTED) {
  if (!serverMessages.has(name)) throw new Error(`the document has no server message ${name}`);
}

const counts = new Map();
const batchItems = new Map();
// The first real frame of each type, to show the schemas can reject.
const firstOf = new Map();
const failures = [];
let validated = 0;
const bump = (map, key) => map.set(key, (map.get(key) || 0) + 1);
const excerpt = (text) => (text.length > 300 ? `${text.slice(0, 300)}…` : text);

// Validates one frame against the message its shape names; returns the parsed frame.
function check(text, client, direction = 'server') {
  let frame;
  try {
    frame = JSON.parse(text);
  } catch {
    failures.push(`${client}: a ${direction} frame is not JSON: ${excerpt(text)}`);
    return undefined;
  }
  const name = Array.isArray(frame) ? 'batch' : frame?.type;
  const allowed = direction === 'server' ? serverMessages : clientMessages;
  if (!allowed.has(name)) {
    failures.push(`${client}: ${direction} frame of undocumented type ${JSON.stringify(name)}: ${excerpt(text)}`);
    return frame;
  }
  const validate = validators.get(name);
  validated += 1;
  if (!validate(frame)) {
    const errors = validate.errors.slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    failures.push(`${client}: ${name} does not match its schema:\n    ${errors.join('\n    ')}\n    frame: ${excerpt(text)}`);
  }
  if (direction === 'server') {
    if (!firstOf.has(name)) firstOf.set(name, frame);
    bump(counts, name);
    if (name === 'batch') frame.forEach((item) => bump(batchItems, item?.type));
  }
  return frame;
}

function expect(condition, message) {
  if (!condition) failures.push(message);
  return condition;
}

// --- clients ----------------------------------------------------------------

class Client {
  constructor(label, url, options = {}) {
    this.label = label;
    this.frames = [];
    this.protocolPings = 0;
    this.waiters = [];
    this.ws = new WebSocket(url, options.protocols, { headers: options.headers });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', resolve);
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_, response) => reject(Object.assign(new Error(`HTTP ${response.statusCode}`), { status: response.statusCode })));
    });
    this.closed = new Promise((resolve) => this.ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    this.ws.on('ping', () => { this.protocolPings += 1; });
    this.ws.on('message', (data, isBinary) => {
      if (isBinary) {
        failures.push(`${label}: the server sent a binary frame`);
        return;
      }
      const frame = check(data.toString(), label);
      if (frame === undefined) return;
      // A batch's items are delivered one by one to the waiters.
      for (const message of Array.isArray(frame) ? frame : [frame]) {
        this.frames.push(message);
        this.waiters = this.waiters.filter((w) => !(w.predicate(message) && (w.resolve(message), true)));
      }
      if (Array.isArray(frame)) this.batches = (this.batches || 0) + 1;
    });
  }

  static async open(label, url, options) {
    const client = new Client(label, url, options);
    await client.opened;
    return client;
  }

  // Resolves with the first frame (already received or to come) that matches.
  waitFor(what, predicate, timeoutMs = 15000) {
    const seen = this.frames.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.predicate !== predicate);
        reject(new Error(`${this.label}: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push({ predicate, resolve: (frame) => { clearTimeout(timer); resolve(frame); } });
    });
  }

  // Waits for the frame after the ones already received that matches.
  next(what, predicate, timeoutMs) {
    const from = this.frames.length;
    const wrapped = (frame) => this.frames.indexOf(frame) >= from && predicate(frame);
    return this.waitFor(what, wrapped, timeoutMs);
  }

  send(message) {
    const text = JSON.stringify(message);
    check(text, this.label, 'client');
    this.ws.send(text);
  }

  close() {
    this.ws.close();
    return this.closed;
  }
}

const ofType = (type, extra = () => true) => (f) => f.type === type && extra(f);
const isEvent = (f) => ['node_add', 'node_update', 'node_delete'].includes(f.type);

function kubectl(args, input) {
  return execFileSync('kubectl', ['--kubeconfig', KUBECONFIG, ...args], { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

async function post(path, body) {
  const response = await fetch(`${LIVE_URL}${path}`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

// Runs one scenario, recording its failure instead of stopping the others.
async function scenario(name, body) {
  const started = Date.now();
  try {
    await body();
    console.log(`  ok   ${name} (${Date.now() - started} ms)`);
  } catch (error) {
    failures.push(`${name}: ${error.message}`);
    console.log(`  FAIL ${name}: ${error.message}`);
  }
}

// --- scenarios --------------------------------------------------------------

const started = Date.now();
const run = Date.now().toString(36);

// The heartbeat comes every hub.ping_secs (10 s in live.sh's servers); this
// client waits for it while the other scenarios run.
const heartbeat = (async () => {
  const client = await Client.open('heartbeat', wsUrl(LIVE_URL, { cluster: CLUSTER }));
  const ping = await client.waitFor('ping (hub.ping_secs is 10 s)', ofType('ping'), 45000);
  expect(client.protocolPings >= 1, 'heartbeat: a JSON ping came without a protocol ping');
  client.send({ type: 'pong' });
  return { client, ping };
})();

let epoch;
let main;

await scenario('connected and snapshot (snapshot=true)', async () => {
  const client = await Client.open('snapshot', wsUrl(LIVE_URL, { cluster: CLUSTER, snapshot: 'true' }));
  const connected = await client.waitFor('connected', ofType('connected'));
  expect(client.frames[0] === connected, 'snapshot: connected is not the first message');
  expect(JSON.stringify(connected.clusters) === JSON.stringify([CLUSTER]), `snapshot: connected.clusters is ${JSON.stringify(connected.clusters)}`);
  epoch = connected.epoch;
  const snapshot = await client.waitFor('snapshot', ofType('snapshot'));
  const names = snapshot.data.map((n) => n.name);
  expect(names.length >= 25, `snapshot: only ${names.length} nodes`);
  expect(names.join() === [...names].sort().join(), 'snapshot: nodes are not sorted by name');
  expect(snapshot.epoch === epoch, 'snapshot: epoch differs from connected');
  const subscribed = await client.waitFor('subscribed after the snapshot', ofType('subscribed'));
  expect(client.frames.indexOf(subscribed) > client.frames.indexOf(snapshot), 'snapshot: subscribed came before the snapshot');
  await client.close();
});

await scenario('subscribed, node_update from kubectl label, contiguous prev', async () => {
  main = await Client.open('main', wsUrl(LIVE_URL, { cluster: CLUSTER }));
  await main.waitFor('subscribed', ofType('subscribed', (f) => f.cluster_name === CLUSTER));
  const value = `v${run}`;
  kubectl(['label', 'node', 'node-0003', `x=${value}`, '--overwrite']);
  const update = await main.waitFor('node_update of node-0003 with Labels',
    ofType('node_update', (f) => f.node_name === 'node-0003' && f.data.labels.x === value));
  expect(update.changes.includes('Labels'), `main: node_update changes are ${update.changes}`);
  expect(update.epoch === epoch, 'main: node_update epoch differs from connected');
});

const probe = `asyncapi-probe-${run}`;
await scenario('node_add and node_delete from kubectl create/delete', async () => {
  const manifest = {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name: probe, labels: { 'nodecast.io/probe': 'asyncapi' } },
    spec: { taints: [{ key: 'probe', effect: 'NoSchedule' }] },
  };
  // The simulator serves no OpenAPI document for kubectl's client-side validation.
  kubectl(['create', '--validate=false', '-f', '-'], JSON.stringify(manifest));
  const added = await main.waitFor(`node_add of ${probe}`, ofType('node_add', (f) => f.node_name === probe));
  expect(added.data.name === probe, 'main: node_add data is not the new node');
  kubectl(['delete', 'node', probe, '--wait=false']);
  const deleted = await main.waitFor(`node_delete of ${probe}`, ofType('node_delete', (f) => f.node_name === probe));
  expect(deleted.data.name === probe, 'main: node_delete data is not the last state');
});

await scenario('test (POST /api/v1/ws/test)', async () => {
  const response = await post(`/api/v1/ws/test?cluster=${CLUSTER}`, { message: 'hi' });
  expect(response.status === 200, `POST /api/v1/ws/test: ${response.status}`);
  await main.waitFor('test', ofType('test', (f) => f.data === 'hi' && f.cluster_name === CLUSTER));
});

let operationId;
await scenario('operation (drain node-0005)', async () => {
  const response = await post(`/api/v1/nodes/${CLUSTER}/node-0005/drain`, {});
  expect(response.status === 202, `POST drain: ${response.status} ${JSON.stringify(response.body)}`);
  operationId = response.body?.id;
  await main.waitFor('operation', ofType('operation', (f) => f.data.id === operationId));
  // Its end, if it comes soon: the last message carries `finished_at`.
  await main.waitFor('finished operation', ofType('operation', (f) => f.data.id === operationId && f.data.state !== 'running'), 20000)
    .catch(() => console.log('       (the drain was still running after 20 s; its first messages were checked)'));
});

await scenario('error, unsubscribed, subscribed by message', async () => {
  main.send({ type: 'subscribe', data: 'no-such-cluster' });
  const error = await main.next('error for an unknown cluster', ofType('error'));
  expect(error.message.includes('no-such-cluster'), `main: error says ${error.message}`);
  main.ws.send(Buffer.from([1, 2, 3]), { binary: true });
  await main.next('error for a binary message', ofType('error'));
  main.ws.send('{"type":"subscribe"}');
  await main.next('error for subscribe without data', ofType('error', (f) => f.message.includes('data')));
  main.send({ type: 'unsubscribe', data: CLUSTER });
  await main.next('unsubscribed', ofType('unsubscribed', (f) => f.cluster_name === CLUSTER));
  main.send({ type: 'subscribe', data: CLUSTER });
  await main.next('subscribed', ofType('subscribed', (f) => f.cluster_name === CLUSTER));
});

await scenario('resume with since/epoch after a disconnect: exactly the missed events', async () => {
  // Until the unsubscribe above, the events chain by prev; after the
  // resubscribe (no since) a hole is allowed, so only the tail is resumed from.
  const cut = main.frames.findIndex(ofType('unsubscribed'));
  const before = main.frames.slice(0, cut).filter(isEvent);
  before.slice(1).forEach((e, i) => expect(e.prev === before[i].seq, `main: gap between ${before[i].seq} and prev ${e.prev}`));
  const events = main.frames.filter(isEvent);
  const last = events[events.length - 1];
  await main.close();
  const value = `r${run}`;
  kubectl(['label', 'node', 'node-0004', `x=${value}`, '--overwrite']);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const resumed = await Client.open('resumed', wsUrl(LIVE_URL, { cluster: CLUSTER, since: String(last.seq), epoch }));
  const missed = await resumed.waitFor('missed node_update of node-0004',
    ofType('node_update', (f) => f.node_name === 'node-0004' && f.data.labels.x === value));
  const replayed = resumed.frames.filter(isEvent);
  expect(replayed[0].prev === last.seq, `resumed: first event's prev ${replayed[0].prev}, last seq before ${last.seq}`);
  replayed.slice(1).forEach((e, i) => expect(e.prev === replayed[i].seq, `resumed: gap between ${replayed[i].seq} and prev ${e.prev}`));
  expect(!resumed.frames.some((f) => ['snapshot', 'resync'].includes(f.type)), 'resumed: a resume sent a snapshot or a resync');
  const live = await resumed.waitFor('subscribed after the replay', ofType('subscribed'));
  expect(resumed.frames.indexOf(live) > resumed.frames.indexOf(replayed[0]), 'resumed: subscribed came before the replay');
  expect(missed.epoch === epoch, 'resumed: epoch changed');
  await resumed.close();
});

await scenario('resync (since=1 with a wrong epoch; since past the last seq)', async () => {
  const wrong = await Client.open('resync-epoch', wsUrl(LIVE_URL, { cluster: CLUSTER, since: '1', epoch: 'not-the-epoch' }));
  const resync = await wrong.waitFor('resync', ofType('resync'));
  expect(resync.reason === "the server's epoch changed", `resync-epoch: reason ${resync.reason}`);
  await wrong.next('snapshot after resync', ofType('snapshot'));
  expect(wrong.frames.indexOf(resync) === 1, 'resync-epoch: resync is not right after connected');
  await wrong.close();
  const ahead = await Client.open('resync-ahead', wsUrl(LIVE_URL, { cluster: CLUSTER, since: '999999999', epoch }));
  const gone = await ahead.waitFor('resync', ofType('resync'));
  expect(gone.reason.includes('history'), `resync-ahead: reason ${gone.reason}`);
  await ahead.waitFor('snapshot after resync', ofType('snapshot'));
  await ahead.close();
});

await scenario('batch=true and view=full', async () => {
  const batch = await Client.open('batch', wsUrl(LIVE_URL, { cluster: CLUSTER, batch: 'true' }));
  const full = await Client.open('full', wsUrl(LIVE_URL, { cluster: CLUSTER, view: 'full', snapshot: 'true' }));
  await batch.waitFor('subscribed', ofType('subscribed'));
  const snapshot = await full.waitFor('full snapshot', ofType('snapshot'));
  expect(snapshot.data.every((n) => n.kind === 'Node' && n.metadata.name), 'full: snapshot data are not Nodes');
  const value = `b${run}`;
  kubectl(['label', 'node', 'node-0006', `x=${value}`, '--overwrite']);
  const pushed = await post(`/api/v1/ws/test?cluster=${CLUSTER}`, { message: 'batched' });
  expect(pushed.status === 200, `POST /api/v1/ws/test: ${pushed.status}`);
  await batch.waitFor('batched node_update', ofType('node_update', (f) => f.node_name === 'node-0006' && f.data.labels.x === value));
  await batch.waitFor('batched test', ofType('test', (f) => f.data === 'batched'));
  expect(batch.batches >= 1, 'batch: no array frame');
  const update = await full.waitFor('full node_update', ofType('node_update', (f) => f.node_name === 'node-0006' && f.data.metadata?.labels?.x === value));
  expect(update.data.kind === 'Node', 'full: node_update data is not a Node');
  await Promise.all([batch.close(), full.close()]);
});

await scenario('auth: ?token=, Authorization: Bearer, bearer.<token> subprotocol; none is 401', async () => {
  const ways = [
    ['auth-query', wsUrl(LIVE_AUTH_URL, { cluster: CLUSTER, token: VIEWER }), {}],
    ['auth-header', wsUrl(LIVE_AUTH_URL, { cluster: CLUSTER }), { headers: { authorization: `Bearer ${VIEWER}` } }],
    ['auth-subprotocol', wsUrl(LIVE_AUTH_URL, { cluster: CLUSTER }), { protocols: ['nodecast', `bearer.${VIEWER}`] }],
  ];
  for (const [label, url, options] of ways) {
    const client = await Client.open(label, url, options);
    await client.waitFor('subscribed', ofType('subscribed'));
    if (options.protocols) expect(client.ws.protocol === 'nodecast', `${label}: selected subprotocol ${client.ws.protocol}`);
    await client.close();
  }
  const refused = await Client.open('auth-none', wsUrl(LIVE_AUTH_URL, { cluster: CLUSTER })).then(() => 'opened', (e) => e.status);
  expect(refused === 401, `auth-none: ${refused}, expected 401`);
});

await scenario('close codes: 1009 too large, 1008 too many messages', async () => {
  const large = await Client.open('close-size', wsUrl(LIVE_URL, {}));
  await large.waitFor('connected', ofType('connected'));
  large.ws.send(JSON.stringify({ type: 'pong', padding: 'x'.repeat(5000) }));
  const bySize = await large.closed;
  expect(bySize.code === 1009 && /^message larger than \d+ bytes$/.test(bySize.reason), `close-size: ${bySize.code} ${bySize.reason}`);
  const chatty = await Client.open('close-rate', wsUrl(LIVE_URL, {}));
  await chatty.waitFor('connected', ofType('connected'));
  // A burst of twice hub.max_messages_per_sec (20) is allowed; the 41st
  // closes, and the server reads past the rest until the client's close, so
  // the close frame arrives even under a flood.
  for (let i = 0; i < 200; i += 1) chatty.ws.send('{"type":"pong"}');
  const byRate = await chatty.closed;
  expect(byRate.code === 1008 && /^more than .* messages per second$/.test(byRate.reason), `close-rate: ${byRate.code} ${byRate.reason}`);
});

await scenario('ping (waits for the first heartbeat, hub.ping_secs = 10)', async () => {
  const { client } = await heartbeat;
  const events = client.frames.filter(isEvent);
  events.slice(1).forEach((e, i) => expect(e.prev === events[i].seq, `heartbeat: gap between ${events[i].seq} and prev ${e.prev}`));
  await client.close();
});

await scenario('the schemas reject real frames made to break the contract', async () => {
  const mutations = [
    ['node_update', 'an undocumented key', (f) => { f.extra = 1; }],
    ['node_update', 'an undocumented summary key', (f) => { f.data.extra = 1; }],
    ['node_update', 'no seq', (f) => { delete f.seq; }],
    ['node_update', 'no changes', (f) => { f.changes = []; }],
    ['node_update', 'an unknown change name', (f) => { f.changes = ['Bogus']; }],
    ['node_update', 'a summary without created', (f) => { delete f.data.created; }],
    ['node_delete', 'changes on a delete', (f) => { f.changes = ['Labels']; }],
    ['snapshot', 'a node with a misspelt field', (f) => { f.data[0].nodeInfo = f.data[0].node_info; delete f.data[0].node_info; }],
    ['operation', 'an unknown operation state', (f) => { f.data.state = 'paused'; }],
    ['connected', 'a numeric epoch', (f) => { f.epoch = 1; }],
  ];
  for (const [name, what, mutate] of mutations) {
    const frame = structuredClone(firstOf.get(name));
    if (!expect(frame !== undefined, `no real ${name} to mutate`)) continue;
    mutate(frame);
    expect(!validators.get(name)(frame), `${name} with ${what} still validates`);
  }
});

if (operationId) {
  // Leaves no drain running behind the suite.
  await fetch(`${LIVE_URL}/api/v1/operations/${operationId}`, { method: 'DELETE' }).catch(() => {});
}

// --- report -----------------------------------------------------------------

for (const name of EXPECTED) {
  expect(counts.has(name), `never received a ${name} message`);
}
console.log('server messages received (top-level frames):');
for (const [name, count] of [...counts].sort()) console.log(`  ${name.padEnd(14)} ${count}`);
console.log(`messages inside batch frames: ${[...batchItems].sort().map(([n, c]) => `${n}=${c}`).join(', ') || 'none'}`);
console.log(`${validated} frames validated against nodecast-events.yaml in ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (failures.length > 0) {
  console.error(`\n${failures.length} failure(s):`);
  for (const failure of failures) console.error(`- ${failure}`);
  process.exit(1);
}
console.log('frames: all frames match the AsyncAPI document');
process.exit(0);
