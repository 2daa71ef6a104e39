// Loads nodecast-events.yaml through @asyncapi/parser, the reference parser, so
// that both checks read the document as AsyncAPI tools do (refs resolved).
import { Parser, fromFile } from '@asyncapi/parser';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const SPEC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'nodecast-events.yaml');

// Spectral's severities: 0 error, 1 warning, 2 information, 3 hint.
const SEVERITY = ['error', 'warning', 'info', 'hint'];

export async function load() {
  const { document, diagnostics } = await fromFile(new Parser(), SPEC).parse();
  const described = diagnostics.map((d) => ({
    severity: SEVERITY[d.severity] ?? String(d.severity),
    code: d.code,
    path: (d.path || []).join('.'),
    message: d.message,
  }));
  return { document, diagnostics: described };
}
