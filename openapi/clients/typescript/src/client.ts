import { type Client, createClient, createConfig } from './generated/client/index.js';
import type { ClientOptions } from './generated/types.gen.js';
import { listNodes } from './generated/sdk.gen.js';
import type { ErrorBody, ListNodesData, NodeList, NodeView } from './generated/types.gen.js';

/** A response with an error status: the server's `{code, message}` and the HTTP status. */
export class NodecastError extends Error {
  override readonly name = 'NodecastError';
  constructor(
    /** The HTTP status: 400, 401, 403, 404, 409, 415, 502, 503, 504. */
    readonly status: number,
    /** The server's error code (`not_found`, `bad_request`, `unauthorized`, …), or `http_<status>` for a body that is not nodecast's. */
    readonly code: string,
    message: string,
    /** The parsed body as the server sent it. */
    readonly body: unknown,
    readonly response: Response,
  ) {
    super(message);
  }
}

export interface NodecastClientOptions {
  /** The server, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** A bearer token, for servers with `[api.auth] enabled = true`. */
  token?: string;
  /** A fetch implementation other than the global one. */
  fetch?: typeof fetch;
  headers?: Record<string, string>;
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ErrorBody).code === 'string' &&
    typeof (value as ErrorBody).message === 'string'
  );
}

/**
 * A client for the generated SDK functions (`listNodes({client, query})`):
 * each call resolves to `{data, response}` or throws a NodecastError.
 */
export function createNodecastClient(options: NodecastClientOptions): Client {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) {
    headers.Authorization = `Bearer ${options.token}`;
  }
  const client = createClient(
    createConfig<ClientOptions>({
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      headers,
      throwOnError: true,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    }),
  );
  client.interceptors.error.use((error, response) => {
    // Without a response the call never reached the server (a network
    // failure, an abort): that error is more telling as it is.
    if (!response) {
      return error;
    }
    if (isErrorBody(error)) {
      return new NodecastError(response.status, error.code, error.message, error, response);
    }
    const text = typeof error === 'string' && error !== '' ? error : response.statusText;
    return new NodecastError(response.status, `http_${response.status}`, text, error, response);
  });
  return client;
}

/**
 * Every node of a cluster, page by page with `limit` and `continue`: a walk
 * returns each node that exists throughout exactly once, even while nodes change.
 */
export async function* listAllNodes(
  client: Client,
  query: Omit<NonNullable<ListNodesData['query']>, 'continue'> = {},
  pageSize = 500,
): AsyncGenerator<NodeView, void, undefined> {
  let next: string | undefined;
  do {
    const page: { data: NodeList } = await listNodes({
      client,
      query: { ...query, limit: query.limit ?? pageSize, ...(next === undefined ? {} : { continue: next }) },
    });
    yield* page.data.items;
    next = page.data.continue;
  } while (next !== undefined);
}
