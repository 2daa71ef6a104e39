// The stream's protocol handling against a scripted socket: what a live
// server does too rarely or too slowly to test (a ping every 30 s, a lost
// event, a server that is down).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { ClusterNodes, nodeEvents, NodeEventsError, type NodeStreamEvent, type WebSocketLike } from '../src/index.js';

class ScriptedSocket implements WebSocketLike {
  static opened: ScriptedSocket[] = [];
  readyState = 0;
  readonly sent: unknown[] = [];
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    ScriptedSocket.opened.push(this);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }

  close(): void {
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  server(message: unknown): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }

  drop(code = 1006): void {
    this.readyState = 3;
    this.onclose?.({ code, reason: '' });
  }

  refuse(status: number): void {
    this.onerror?.({ error: new Error(`Unexpected server response: ${status}`) });
    this.drop();
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

async function socketNumber(n: number): Promise<ScriptedSocket> {
  for (let i = 0; i < 200 && ScriptedSocket.opened.length <= n; i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const socket = ScriptedSocket.opened[n];
  assert.ok(socket, `socket ${n} was never opened`);
  return socket;
}

async function take(stream: AsyncIterator<NodeStreamEvent>, count: number): Promise<NodeStreamEvent[]> {
  const events: NodeStreamEvent[] = [];
  for (let i = 0; i < count; i++) {
    const next = await stream.next();
    assert.ok(!next.done);
    events.push(next.value);
  }
  return events;
}

function update(seq: number, prev: number, node = 'node-0001') {
  return {
    type: 'node_update',
    cluster_name: 'demo',
    node_name: node,
    data: { name: node, labels: {} },
    changes: ['Labels'],
    timestamp: '2026-01-01T00:00:00.000Z',
    seq,
    epoch: 'e1',
    prev,
    tags: {},
  };
}

function snapshot(seq: number, names: string[]) {
  return {
    type: 'snapshot',
    cluster_name: 'demo',
    epoch: 'e1',
    seq,
    stale: false,
    timestamp: '2026-01-01T00:00:00.000Z',
    data: names.map((name) => ({ name })),
  };
}

function start(options: Parameters<typeof nodeEvents>[0] extends infer O ? Partial<O> : never = {}) {
  ScriptedSocket.opened = [];
  return nodeEvents({ baseUrl: 'https://nodecast.example/base/', cluster: 'demo', WebSocket: ScriptedSocket, ...options });
}

describe('nodeEvents protocol', () => {
  test('builds the URL from the options and answers a ping with a pong', async () => {
    const stream = start({ token: 't0k', view: 'full', batch: true, since: 41, epoch: 'e1' });
    const socket = await socketNumber(0);
    const url = new URL(socket.url);
    assert.equal(url.protocol, 'wss:');
    assert.equal(url.pathname, '/base/api/v1/ws/nodes');
    assert.deepEqual(Object.fromEntries(url.searchParams), {
      cluster: 'demo',
      since: '41',
      epoch: 'e1',
      view: 'full',
      batch: 'true',
      token: 't0k',
    });
    socket.open();
    socket.server({ type: 'ping', timestamp: 'now' });
    const [ping] = await take(stream, 1);
    assert.equal(ping?.type, 'ping');
    assert.deepEqual(socket.sent, [{ type: 'pong' }]);
    stream.close();
  });

  test('a batch frame is unpacked; duplicates are dropped; a gap asks for a snapshot', async () => {
    const stream = start();
    const socket = await socketNumber(0);
    socket.open();
    socket.server([update(10, 9), update(11, 10), update(11, 10)]);
    const events = await take(stream, 2);
    assert.deepEqual(
      events.map((e) => 'seq' in e && e.seq),
      [10, 11],
    );
    socket.server(update(14, 13));
    // Dropped: the stream waits for the snapshot it asked for.
    socket.server(update(15, 14));
    const [gap] = await take(stream, 1);
    assert.deepEqual(gap, { type: 'gap', cluster_name: 'demo', last_seq: 11, prev: 13, seq: 14 });
    assert.deepEqual(socket.sent.at(-1), { type: 'subscribe', data: 'demo', snapshot: true });
    socket.server(snapshot(15, ['node-0001', 'node-0002']));
    // After a snapshot, an event's prev may be below its seq (a change a plugin dropped).
    socket.server(update(17, 14, 'node-0002'));
    const [snap, after] = await take(stream, 2);
    assert.equal(snap?.type, 'snapshot');
    assert.ok(after?.type === 'node_update' && after.seq === 17);
    assert.deepEqual(stream.position('demo'), { seq: 17, epoch: 'e1' });
    socket.server(update(19, 18));
    const [second] = await take(stream, 1);
    assert.ok(second?.type === 'gap' && second.last_seq === 17);
    stream.close();
  });

  test('reconnects with doubling delays, resuming after the last seq, and resets after connecting', async () => {
    const stream = start({ backoff: { initialMs: 10, maxMs: 25 } });
    const first = await socketNumber(0);
    first.open();
    first.server({ type: 'connected', epoch: 'e1', clusters: ['demo'], stale: [], timestamp: 'now' });
    first.server(update(5, 4));
    await take(stream, 2);
    first.drop();
    const delays: number[] = [];
    for (let n = 1; n <= 3; n++) {
      const [down] = await take(stream, 1);
      assert.ok(down?.type === 'disconnected');
      delays.push(down.retry_in_ms);
      const socket = await socketNumber(n);
      const url = new URL(socket.url);
      assert.equal(url.searchParams.get('since'), '5');
      assert.equal(url.searchParams.get('epoch'), 'e1');
      if (n < 3) {
        socket.drop();
      } else {
        socket.open();
        socket.server({ type: 'connected', epoch: 'e1', clusters: ['demo'], stale: [], timestamp: 'now' });
        await take(stream, 1);
        socket.drop();
      }
    }
    assert.deepEqual(delays, [10, 20, 25]);
    const [afterReset] = await take(stream, 1);
    assert.ok(afterReset?.type === 'disconnected' && afterReset.retry_in_ms === 10);
    stream.close();
  });

  test('a reconnect with no seq seen asks for a snapshot; other subscriptions are sent on open', async () => {
    const stream = start({ cluster: ['demo', 'prod'], backoff: { initialMs: 1 } });
    const first = await socketNumber(0);
    first.open();
    assert.deepEqual(first.sent, [{ type: 'subscribe', data: 'prod' }]);
    first.drop();
    const second = await socketNumber(1);
    assert.equal(new URL(second.url).searchParams.get('snapshot'), 'true');
    second.open();
    assert.deepEqual(second.sent, [{ type: 'subscribe', data: 'prod', snapshot: true }]);
    stream.close();
  });

  test('a refused upgrade ends the stream with its status; so does running out of attempts', async () => {
    const refused = start();
    (await socketNumber(0)).refuse(403);
    await assert.rejects(refused.next(), (error: unknown) => error instanceof NodeEventsError && error.status === 403);

    const unreachable = start({ maxAttempts: 2, backoff: { initialMs: 1 } });
    (await socketNumber(0)).drop();
    (await socketNumber(1)).drop();
    (await socketNumber(2)).drop();
    const events = await take(unreachable, 2);
    assert.deepEqual(
      events.map((e) => e.type),
      ['disconnected', 'disconnected'],
    );
    await assert.rejects(unreachable.next(), /gave up after 2/);
  });

  test('an aborted signal or close ends the iteration', async () => {
    const controller = new AbortController();
    const stream = start({ signal: controller.signal });
    const socket = await socketNumber(0);
    socket.open();
    const pending = stream.next();
    controller.abort();
    assert.deepEqual(await pending, { value: undefined, done: true });
    await tick();
    assert.equal(socket.readyState, 3);
    assert.equal(ScriptedSocket.opened.length, 1);
  });

  test('ClusterNodes: a snapshot replaces the state, events edit it', () => {
    const state = new ClusterNodes('demo');
    state.apply(snapshot(3, ['node-0001', 'node-0002']) as NodeStreamEvent);
    state.apply({ ...update(4, 3, 'node-0003'), type: 'node_add' } as NodeStreamEvent);
    state.apply({ ...update(5, 4, 'node-0001'), type: 'node_delete' } as NodeStreamEvent);
    assert.deepEqual([...state.nodes.keys()].sort(), ['node-0002', 'node-0003']);
    assert.equal(state.seq, 5);
    state.apply(snapshot(9, ['node-0009']) as NodeStreamEvent);
    assert.deepEqual([...state.nodes.keys()], ['node-0009']);
  });
});
