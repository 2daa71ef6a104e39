import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';

import {
  createNodecastClient,
  getClusterNode,
  getNode,
  listAllNodes,
  listClusters,
  listNodes,
  NodecastError,
  type NodeSummary,
  registerCluster,
  unregisterCluster,
} from '../src/index.js';
import { live, unique } from './live.js';

const client = createNodecastClient({ baseUrl: live.url });

async function rejectsWith(call: Promise<unknown>, status: number, code: string): Promise<NodecastError> {
  const error = await call.then(
    () => assert.fail(`expected a ${status}`),
    (error: unknown) => error,
  );
  assert.ok(error instanceof NodecastError, `expected a NodecastError, got ${String(error)}`);
  assert.equal(error.status, status, error.message);
  assert.equal(error.code, code);
  assert.equal(error.response.status, status);
  return error;
}

describe('nodes', () => {
  test('lists the nodes of cluster demo, sorted, with the stream position', async () => {
    const { data } = await listNodes({ client, query: { cluster_name: 'demo' } });
    assert.equal(data.cluster_name, 'demo');
    assert.ok(data.items.length >= 25, `expected about 30 nodes, got ${data.items.length}`);
    assert.equal(data.total, data.items.length);
    assert.ok(data.seq > 0);
    assert.match(data.epoch, /^[0-9a-f]+$/);
    const names = (data.items as NodeSummary[]).map((node) => node.name);
    assert.deepEqual(names, [...names].sort());
    for (const name of names) {
      assert.match(name, /^node-\d{4}$/);
    }
  });

  test('gets one node by cluster and name, both ways', async () => {
    const { data: list } = await listNodes({ client, query: { cluster_name: 'demo', limit: 1 } });
    const first = list.items[0] as NodeSummary;
    const { data: byPath } = await getClusterNode({ client, path: { cluster: 'demo', node: first.name } });
    assert.equal(byPath.cluster_name, 'demo');
    assert.equal(byPath.epoch, list.epoch);
    const node = byPath.node as NodeSummary;
    assert.equal(node.name, first.name);
    assert.equal(typeof node.ready, 'boolean');
    assert.equal(typeof node.schedulable, 'boolean');
    assert.ok(Object.keys(node.capacity).length > 0);
    const { data: byQuery } = await getNode({ client, path: { node: first.name }, query: { cluster_name: 'demo' } });
    assert.equal((byQuery.node as NodeSummary).name, first.name);
  });

  test('fields keeps only the named summary fields', async () => {
    const { data } = await listNodes({ client, query: { cluster_name: 'demo', fields: 'name,ready', limit: 3 } });
    assert.equal(data.items.length, 3);
    for (const item of data.items) {
      assert.deepEqual(Object.keys(item).sort(), ['name', 'ready']);
    }
  });

  test('a walk with limit and continue returns every node exactly once', async () => {
    const before = await listNodes({ client, query: { cluster_name: 'demo', fields: 'name' } });
    let pages = 0;
    let next: string | undefined;
    const walked: string[] = [];
    do {
      const { data } = await listNodes({
        client,
        query: { cluster_name: 'demo', fields: 'name', limit: 7, ...(next === undefined ? {} : { continue: next }) },
      });
      pages += 1;
      assert.ok(data.items.length <= 7);
      walked.push(...(data.items as NodeSummary[]).map((node) => node.name));
      next = data.continue;
    } while (next !== undefined);
    const after = await listNodes({ client, query: { cluster_name: 'demo', fields: 'name' } });
    const namesOf = (items: unknown[]) => new Set((items as NodeSummary[]).map((node) => node.name));
    const [first, last] = [namesOf(before.data.items), namesOf(after.data.items)];
    assert.ok(pages >= 4, `30 nodes in pages of 7 take at least 4 pages, took ${pages}`);
    assert.equal(new Set(walked).size, walked.length, `a node came twice: ${walked.join(',')}`);
    for (const name of first) {
      if (last.has(name)) {
        assert.ok(walked.includes(name), `${name} existed throughout but the walk missed it`);
      }
    }
    // The helper walks the same way.
    const helper: string[] = [];
    for await (const node of listAllNodes(client, { cluster_name: 'demo', fields: 'name' }, 5)) {
      helper.push((node as NodeSummary).name);
    }
    assert.equal(new Set(helper).size, helper.length);
    assert.ok(helper.length >= 25);
  });
});

describe('clusters', () => {
  test('registers a second cluster from a kubeconfig, lists it, deletes it', async () => {
    const name = unique('sdk-ts');
    const kubeconfig = readFileSync(live.kubeconfig, 'utf8');
    const { data: created, response } = await registerCluster({ client, body: { name, kubeconfig } });
    assert.equal(response.status, 201);
    assert.equal(created.name, name);
    try {
      const { data: clusters } = await listClusters({ client });
      assert.deepEqual(
        clusters.map((cluster) => cluster.name).filter((n) => n === name || n === 'demo').sort(),
        ['demo', name].sort(),
      );
      // Registered twice: a conflict.
      await rejectsWith(registerCluster({ client, body: { name, kubeconfig } }), 409, 'conflict');
    } finally {
      const { response: deleted } = await unregisterCluster({ client, path: { name } });
      assert.equal(deleted.status, 204);
    }
    const { data: clusters } = await listClusters({ client });
    assert.ok(!clusters.some((cluster) => cluster.name === name), `${name} is still listed`);
    await rejectsWith(unregisterCluster({ client, path: { name } }), 404, 'not_found');
  });
});

describe('errors are NodecastErrors', () => {
  test('404 for an unknown node', async () => {
    const error = await rejectsWith(
      getClusterNode({ client, path: { cluster: 'demo', node: 'no-such-node' } }),
      404,
      'not_found',
    );
    assert.match(error.message, /no-such-node/);
  });

  test('400 for an unknown field name and for a bad limit', async () => {
    const fields = await rejectsWith(
      listNodes({ client, query: { cluster_name: 'demo', fields: 'name,bogus' } }),
      400,
      'bad_request',
    );
    assert.match(fields.message, /bogus/);
    await rejectsWith(listNodes({ client, query: { cluster_name: 'demo', limit: 0 } }), 400, 'bad_request');
  });

  test('401 without a token and 403 for a viewer on an operator operation', async () => {
    const anonymous = createNodecastClient({ baseUrl: live.authUrl });
    await rejectsWith(listNodes({ client: anonymous, query: { cluster_name: 'demo' } }), 401, 'unauthorized');
    const viewer = createNodecastClient({ baseUrl: live.authUrl, token: live.viewerToken });
    const { data } = await listNodes({ client: viewer, query: { cluster_name: 'demo', limit: 1 } });
    assert.equal(data.items.length, 1);
    const body = { name: unique('sdk-ts-denied'), kubeconfig: readFileSync(live.kubeconfig, 'utf8') };
    await rejectsWith(registerCluster({ client: viewer, body }), 403, 'forbidden');
    const operator = createNodecastClient({ baseUrl: live.authUrl, token: live.operatorToken });
    const { data: clusters } = await listClusters({ client: operator });
    assert.ok(clusters.some((cluster) => cluster.name === 'demo'));
  });
});
