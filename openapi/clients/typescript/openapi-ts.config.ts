// A type-only import: generate.sh also runs on copies of this directory that
// have no node_modules of their own, where a value import could not resolve.
import type { UserConfig } from '@hey-api/openapi-ts';

// generate.sh passes the spec's absolute path, so a copy of this directory
// elsewhere (openapi/generate.sh --check) generates from the same document.
const input = process.env.NODECAST_OPENAPI_SPEC;
if (!input) {
  throw new Error('NODECAST_OPENAPI_SPEC must name openapi/nodecast.json (run generate.sh)');
}

export default {
  input,
  output: {
    path: 'src/generated',
    postProcess: [],
  },
  plugins: [
    // Calls throw on an error status; src/client.ts makes the thrown value a NodecastError.
    { name: '@hey-api/client-fetch', throwOnError: true },
    '@hey-api/typescript',
    '@hey-api/sdk',
  ],
} satisfies UserConfig;
