import { createNodecastClient, listNodes, nodeEvents, type NodeSummary } from '@nodecast/client';

const baseUrl = process.env.LIVE_URL ?? 'http://127.0.0.1:8080';
const client = createNodecastClient({ baseUrl });

const { data: list } = await listNodes({ client, query: { cluster_name: 'demo' } });
for (const node of list.items as NodeSummary[]) {
  console.log(`${node.name} ready=${node.ready} schedulable=${node.schedulable}`);
}

// Resume from the list's position, so no change after it is missed; stop after 3 changes or 20 s.
const signal = AbortSignal.timeout(20_000);
let changes = 0;
for await (const event of nodeEvents({ baseUrl, cluster: 'demo', since: list.seq, epoch: list.epoch, signal })) {
  if (event.type === 'node_add' || event.type === 'node_update' || event.type === 'node_delete') {
    console.log(`#${event.seq} ${event.type} ${event.node_name}: ${event.changes.join(', ')}`);
    if (++changes === 3) break;
  }
}
if (changes < 3) {
  console.error(`timed out after ${changes} changes`);
  process.exitCode = 1;
}
