import { load, SPEC } from './spec.mjs';

const { document, diagnostics } = await load();
for (const d of diagnostics) {
  console.log(`${d.severity}\t${d.code}\t${d.path}\t${d.message}`);
}
const errors = diagnostics.filter((d) => d.severity === 'error');
if (errors.length > 0 || !document) {
  console.error(`FAIL: ${SPEC}: ${errors.length} error(s)`);
  process.exit(1);
}
const channels = document.channels().all();
const operations = document.operations().all();
const messages = document.messages().all();
console.log(`ok: AsyncAPI ${document.version()}, ${channels.length} channel(s), ${operations.length} operation(s), ${messages.length} message(s), ${diagnostics.length - errors.length} non-error diagnostic(s)`);
for (const channel of channels) {
  console.log(`  channel ${channel.id()} ${channel.address()}: ${channel.messages().all().map((m) => m.name()).join(', ')}`);
}
