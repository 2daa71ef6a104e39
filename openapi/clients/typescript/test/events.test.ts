import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { WebSocket as WsWebSocket } from 'ws';

import {
  ClusterNodes,
  createNodecastClient,
  getClusterNode,
  listNodes,
  nodeEvents,
  NodeEventsError,
  type NodeStreamEvent,
  type NodeSummary,
  type NodeUpdateMessage,
  type View,
} from '../src/index.js';
import { kubectlLabel, live, unique } from './live.js';

/** Reads events until one matches, failing after `ms`; returns everything read, the match last. */
async function readUntil<V extends View>(
  stream: AsyncIterator<NodeStreamEvent<V>>,
  match: (event: NodeStreamEvent<V>) => boolean,
  what: string,
  ms = 15_000,
): Promise<NodeStreamEvent<V>[]> {
  const seen: NodeStreamEvent<V>[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms; saw ${seen.map((e) => e.type).join(',')}`)), left);
    });
    const next = await Promise.race([stream.next(), timeout]).finally(() => clearTimeout(timer));
    assert.ok(!next.done, `the stream ended before ${what}`);
    seen.push(next.value);
    if (match(next.value)) {
      return seen;
    }
  }
}

function labelled(node: string, key: string, value: string) {
  return (event: NodeStreamEvent): event is NodeUpdateMessage =>
    event.type === 'node_update' &&
    event.node_name === node &&
    event.changes.includes('Labels') &&
    event.data.labels[key] === value;
}

/** A ws WebSocket that remembers each socket it opens, so a test can cut one underneath the stream. */
function recordingWebSocket() {
  const sockets: { url: string; socket: WsWebSocket }[] = [];
  class Recording extends WsWebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols);
      sockets.push({ url, socket: this });
    }
  }
  return { sockets, WebSocket: Recording };
}

describe('nodeEvents against the live server', () => {
  test('a kubectl label arrives as a node_update; a cut connection resumes with no gap', async () => {
    const { sockets, WebSocket } = recordingWebSocket();
    // A slow first retry leaves time to change a node while disconnected.
    const stream = nodeEvents({ baseUrl: live.url, cluster: 'demo', WebSocket, backoff: { initialMs: 3000 } });
    try {
      const key = 'sdk.nodecast.io/ts';
      const before = unique('a');
      await readUntil(stream, (e) => e.type === 'subscribed' && e.cluster_name === 'demo', 'subscribed');
      await kubectlLabel('node-0003', key, before);
      const first = await readUntil(stream, labelled('node-0003', key, before), 'the label on node-0003');
      const update = first.at(-1) as NodeUpdateMessage;
      assert.equal(update.cluster_name, 'demo');
      assert.equal(update.data.name, 'node-0003');
      assert.ok(update.seq > update.prev);
      const cutAt = stream.position('demo');
      assert.ok(cutAt, 'the stream tracks the seq it saw');
      assert.ok(cutAt.seq >= update.seq);

      // Cut the TCP connection under the client, as a network failure would.
      assert.equal(sockets.length, 1);
      sockets[0]!.socket.terminate();
      const down = await readUntil(stream, (e) => e.type === 'disconnected', 'disconnected');
      const disconnected = down.at(-1)!;
      assert.equal(disconnected.type === 'disconnected' && disconnected.retry_in_ms, 3000);

      // Made while no socket is open: only a resume from the last seq can deliver it.
      const during = unique('b');
      await kubectlLabel('node-0005', key, during);
      const rest = createNodecastClient({ baseUrl: live.url });
      for (let tries = 0; ; tries++) {
        const { data } = await getClusterNode({ client: rest, path: { cluster: 'demo', node: 'node-0005' } });
        if ((data.node as NodeSummary).labels[key] === during) break;
        assert.ok(tries < 50, 'the server never saw the label');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(sockets.length, 1, 'the change must be made before the reconnect for this test to mean anything');

      const resumed = await readUntil(stream, labelled('node-0005', key, during), 'the label made while disconnected');
      assert.equal(sockets.length, 2);
      const url = new URL(sockets[1]!.url);
      assert.equal(url.searchParams.get('since'), String(cutAt.seq));
      assert.equal(url.searchParams.get('epoch'), cutAt.epoch);
      assert.ok(!resumed.some((e) => ['gap', 'resync', 'snapshot'].includes(e.type)), 'a resume needs no snapshot');
      let last = cutAt.seq;
      for (const event of resumed) {
        if (event.type === 'node_add' || event.type === 'node_update' || event.type === 'node_delete') {
          assert.equal(event.prev, last, `event ${event.seq} follows ${event.prev}, not ${last}`);
          last = event.seq;
        }
      }
      assert.ok(last > cutAt.seq);
    } finally {
      stream.close();
    }
  });

  test('a snapshot is the whole cluster; list-then-subscribe resumes from the list', async () => {
    const rest = createNodecastClient({ baseUrl: live.url });
    const stream = nodeEvents({ baseUrl: live.url, cluster: 'demo', snapshot: true });
    try {
      const [snapshot] = (await readUntil(stream, (e) => e.type === 'snapshot', 'snapshot')).filter(
        (e) => e.type === 'snapshot',
      );
      assert.ok(snapshot?.type === 'snapshot');
      assert.ok(snapshot.data.length >= 25);
      const state = new ClusterNodes('demo');
      state.apply(snapshot);
      assert.equal(state.nodes.size, snapshot.data.length);
      assert.equal(state.seq, snapshot.seq);
      assert.deepEqual(stream.position('demo'), { seq: snapshot.seq, epoch: snapshot.epoch });
    } finally {
      stream.close();
    }

    const { data: list } = await listNodes({ client: rest, query: { cluster_name: 'demo', fields: 'name' } });
    const { sockets, WebSocket } = recordingWebSocket();
    const resumed = nodeEvents({ baseUrl: live.url, cluster: 'demo', since: list.seq, epoch: list.epoch, WebSocket });
    try {
      await kubectlLabel('node-0007', 'sdk.nodecast.io/ts', unique('c'));
      const events = await readUntil(resumed, (e) => e.type === 'node_update' && e.node_name === 'node-0007', 'node-0007');
      const url = new URL(sockets[0]!.url);
      assert.equal(url.searchParams.get('since'), String(list.seq));
      const changes = events.filter((e) => e.type === 'node_update' || e.type === 'node_add' || e.type === 'node_delete');
      assert.ok(changes[0]!.seq > list.seq);
    } finally {
      resumed.close();
    }
  });

  test('a stale epoch gets a resync, then a snapshot', async () => {
    const stream = nodeEvents({ baseUrl: live.url, cluster: 'demo', since: 1, epoch: 'not-this-server' });
    try {
      const events = await readUntil(stream, (e) => e.type === 'snapshot', 'snapshot');
      const resync = events.find((e) => e.type === 'resync');
      assert.ok(resync?.type === 'resync');
      assert.match(resync.reason, /epoch/);
      const snapshot = events.at(-1)!;
      assert.ok(snapshot.type === 'snapshot');
      assert.notEqual(snapshot.epoch, 'not-this-server');
      assert.equal(stream.position('demo')?.epoch, snapshot.epoch);
    } finally {
      stream.close();
    }
  });

  test('subscribe and unsubscribe; an unknown cluster is an error message', async () => {
    const stream = nodeEvents({ baseUrl: live.url });
    try {
      const connected = (await readUntil(stream, (e) => e.type === 'connected', 'connected')).at(-1)!;
      assert.ok(connected.type === 'connected');
      assert.deepEqual(connected.clusters, []);
      stream.subscribe('demo');
      await readUntil(stream, (e) => e.type === 'subscribed' && e.cluster_name === 'demo', 'subscribed');
      stream.subscribe('no-such-cluster');
      const error = (await readUntil(stream, (e) => e.type === 'error', 'error')).at(-1)!;
      assert.ok(error.type === 'error');
      assert.match(error.message, /no-such-cluster/);
      stream.unsubscribe('demo');
      await readUntil(stream, (e) => e.type === 'unsubscribed' && e.cluster_name === 'demo', 'unsubscribed');
    } finally {
      stream.close();
    }
    assert.deepEqual(await stream.next(), { value: undefined, done: true });
  });

  test('full view sends Kubernetes Node objects', async () => {
    const stream = nodeEvents({ baseUrl: live.url, cluster: 'demo', view: 'full', snapshot: true });
    try {
      const snapshot = (await readUntil(stream, (e) => e.type === 'snapshot', 'snapshot')).at(-1)!;
      assert.ok(snapshot.type === 'snapshot');
      const node = snapshot.data[0]!;
      assert.equal(node.kind, 'Node');
      assert.match(String(node.metadata.name), /^node-\d{4}$/);
    } finally {
      stream.close();
    }
  });

  test('auth: a token in the query is accepted; none is a NodeEventsError with 401', async () => {
    const viewer = nodeEvents({ baseUrl: live.authUrl, cluster: 'demo', token: live.viewerToken });
    try {
      await readUntil(viewer, (e) => e.type === 'subscribed', 'subscribed');
    } finally {
      viewer.close();
    }
    const anonymous = nodeEvents({ baseUrl: live.authUrl, cluster: 'demo' });
    await assert.rejects(
      (async () => {
        for await (const event of anonymous) {
          assert.fail(`expected a refusal, got ${event.type}`);
        }
      })(),
      (error: unknown) => error instanceof NodeEventsError && error.status === 401,
    );
  });
});
