// The WebSocket protocol of /api/v1/ws/nodes (README, "Live events: the
// WebSocket"), as an async iterator that answers pings, resumes after a
// reconnect from the last seq it saw, and turns a gap into a fresh snapshot.
import type { KubernetesNode, NodeSummary, Operation, View } from './generated/types.gen.js';

export type NodeData<V extends View> = V extends 'full' ? KubernetesNode : NodeSummary;

/** The field groups a change touched. */
export type ChangeName =
  | 'Schedulable'
  | 'Labels'
  | 'Annotations'
  | 'Taints'
  | 'Status'
  | 'Conditions'
  | 'Resources'
  | 'Addresses'
  | 'NodeInfo'
  | 'Images';

export interface NodeChangeMessage<K extends 'node_add' | 'node_update' | 'node_delete', V extends View> {
  type: K;
  cluster_name: string;
  node_name: string;
  /** The node after the change; for a delete, its last known state. */
  data: NodeData<V>;
  changes: ChangeName[];
  timestamp: string;
  seq: number;
  epoch: string;
  /** The seq of the previous event broadcast on this cluster's stream. */
  prev: number;
  /** What the plugin chain tagged the event with, such as `severity: critical`. */
  tags: Record<string, string>;
}

export type NodeAddMessage<V extends View = 'summary'> = NodeChangeMessage<'node_add', V>;
export type NodeUpdateMessage<V extends View = 'summary'> = NodeChangeMessage<'node_update', V>;
export type NodeDeleteMessage<V extends View = 'summary'> = NodeChangeMessage<'node_delete', V>;

export interface ConnectedMessage {
  type: 'connected';
  epoch: string;
  clusters: string[];
  /** Clusters whose watch is down: their data may be out of date. */
  stale: string[];
  timestamp: string;
}

export interface SnapshotMessage<V extends View = 'summary'> {
  type: 'snapshot';
  cluster_name: string;
  epoch: string;
  seq: number;
  stale: boolean;
  /** Every node of the cluster at `seq`: the whole state, replacing what came before. */
  data: NodeData<V>[];
  timestamp: string;
}

/** Events were lost (the server's epoch changed, history ran out, the client fell behind); a snapshot follows. */
export interface ResyncMessage {
  type: 'resync';
  cluster_name: string;
  reason: string;
  timestamp: string;
}

/** Answered with a pong by the stream itself. */
export interface PingMessage {
  type: 'ping';
  timestamp: string;
}

export interface SubscribedMessage {
  type: 'subscribed';
  cluster_name: string;
  timestamp: string;
}

export interface UnsubscribedMessage {
  type: 'unsubscribed';
  cluster_name: string;
  timestamp: string;
}

/** An unknown cluster, a cluster the token may not see, a malformed message. */
export interface ErrorMessage {
  type: 'error';
  message: string;
  timestamp: string;
}

/** Pushed by `POST /api/v1/ws/test`. */
export interface TestMessage {
  type: 'test';
  cluster_name: string;
  data: string;
  timestamp: string;
}

/** A drain's progress, at each step; outside the event stream (no seq). */
export interface OperationMessage {
  type: 'operation';
  cluster_name: string;
  data: Operation;
  timestamp: string;
}

export type ServerMessage<V extends View = 'summary'> =
  | ConnectedMessage
  | NodeAddMessage<V>
  | NodeUpdateMessage<V>
  | NodeDeleteMessage<V>
  | SnapshotMessage<V>
  | ResyncMessage
  | PingMessage
  | SubscribedMessage
  | UnsubscribedMessage
  | ErrorMessage
  | TestMessage
  | OperationMessage;

export type ClientMessage =
  | { type: 'pong' }
  | { type: 'subscribe'; data: string; since?: number; epoch?: string; snapshot?: boolean }
  | { type: 'unsubscribe'; data: string };

/** Made by the stream, not sent by the server: the socket closed and a reconnect is scheduled. */
export interface DisconnectedEvent {
  type: 'disconnected';
  code: number;
  reason: string;
  /** How many connection attempts in a row have failed, this one included. */
  attempt: number;
  retry_in_ms: number;
}

/**
 * Made by the stream: an event's `prev` was not the last seq seen, so events
 * were lost. The stream drops that cluster's events until the snapshot it
 * asks for arrives.
 */
export interface GapEvent {
  type: 'gap';
  cluster_name: string;
  /** The last seq seen on the cluster. */
  last_seq: number;
  /** The `prev` and `seq` of the event that showed the gap. */
  prev: number;
  seq: number;
}

export type NodeStreamEvent<V extends View = 'summary'> = ServerMessage<V> | DisconnectedEvent | GapEvent;

/** What the stream needs of a WebSocket: the browser's, or the `ws` package's in Node. */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  // `any`: the browser's and ws's event classes differ; only `data`, `code`,
  // `reason`, `message` and `error` are read.
  onopen: ((event: any) => void) | null;
  onmessage: ((event: any) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
}

export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface NodeEventsOptions<V extends View = 'summary'> {
  /** The server: `http://127.0.0.1:8080` (or `ws://…`). */
  baseUrl: string;
  /** The clusters to subscribe to at once; more with `subscribe()`. */
  cluster?: string | string[];
  /** A bearer token, for servers with auth on; sent as the `token` query parameter, which browsers can set too. */
  token?: string;
  /** `full` sends Kubernetes Node objects as `data` instead of summaries. */
  view?: V;
  /** Start each subscription with a `snapshot` of the whole cluster. */
  snapshot?: boolean;
  /**
   * Resume the first cluster after this seq (with `epoch`): a REST list's
   * `seq` and `epoch`, so that list-then-subscribe misses nothing.
   */
  since?: number;
  epoch?: string;
  /** Ask the server to send queued events as one frame holding an array (unpacked here). */
  batch?: boolean;
  /** The WebSocket class; by default the `ws` package in Node and the global one elsewhere. */
  WebSocket?: WebSocketConstructor;
  /** Ends the stream. */
  signal?: AbortSignal;
  /** Reconnect delays: `initialMs` (250) doubling up to `maxMs` (10 000). */
  backoff?: { initialMs?: number; maxMs?: number };
  /** Give up after this many failed connection attempts in a row (default: never). */
  maxAttempts?: number;
  /**
   * Reconnect when nothing arrives for this long (75 000 ms): the server
   * pings every 30 s, so silence past two pings means a dead connection.
   */
  idleTimeoutMs?: number;
}

/** The server refused the connection (401, 403, 404, 400) or the stream gave up reconnecting. */
export class NodeEventsError extends Error {
  override readonly name = 'NodeEventsError';
  constructor(
    message: string,
    /** The HTTP status of a refused upgrade, when the WebSocket implementation tells it (`ws` does). */
    readonly status?: number,
  ) {
    super(message);
  }
}

/** Where a cluster's stream stands: the last seq received and the epoch it belongs to. */
export interface StreamPosition {
  seq: number;
  epoch: string;
}

interface Position extends StreamPosition {
  /**
   * The seq came from a snapshot, whose seq may be a change no subscriber was
   * sent (a plugin dropped it): the next event's `prev` may then be lower.
   */
  fromSnapshot: boolean;
}

interface Subscription {
  snapshot: boolean;
  /** Node events are dropped until a snapshot arrives, after a gap or a resync. */
  awaitingSnapshot: boolean;
}

const OPEN = 1;

/** Refusals that a retry cannot fix. */
function isFatalStatus(status: number): boolean {
  return status >= 400 && status < 500 && status !== 408 && status !== 429;
}

async function defaultWebSocket(): Promise<WebSocketConstructor> {
  // Node 20 has no global WebSocket without a flag, and ws says why an
  // upgrade failed (its status); browsers have their own.
  if (typeof process !== 'undefined' && process.versions?.node) {
    const ws = await import('ws');
    return ws.WebSocket as unknown as WebSocketConstructor;
  }
  if (typeof globalThis.WebSocket === 'function') {
    return globalThis.WebSocket as unknown as WebSocketConstructor;
  }
  throw new NodeEventsError('no WebSocket implementation: pass one as the WebSocket option');
}

function eventsUrl(baseUrl: string, query: URLSearchParams): string {
  const url = new URL(baseUrl);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/api/v1/ws/nodes`;
  url.search = query.toString();
  return url.toString();
}

function decode(data: unknown): string {
  if (typeof data === 'string') {
    return data;
  }
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
    return new TextDecoder().decode(data as ArrayBuffer);
  }
  return String(data);
}

/**
 * The live events of one or more clusters:
 *
 *     for await (const event of nodeEvents({ baseUrl, cluster: 'demo', token })) { … }
 *
 * Pings are answered; a dropped connection is reopened with exponential
 * backoff, resuming each cluster after its last seq (or, when none was seen,
 * with a snapshot) so that nothing is missed; a `resync` is followed by a
 * `snapshot` that replaces the client's state.
 */
export function nodeEvents<V extends View = 'summary'>(options: NodeEventsOptions<V>): NodeEventStream<V> {
  return new NodeEventStream(options);
}

export class NodeEventStream<V extends View = 'summary'> implements AsyncIterableIterator<NodeStreamEvent<V>> {
  private readonly options: NodeEventsOptions<V>;
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly positions = new Map<string, Position>();
  private readonly queue: NodeStreamEvent<V>[] = [];
  private waiter: { resolve: () => void } | undefined;
  private socket: WebSocketLike | undefined;
  private WebSocket: Promise<WebSocketConstructor>;
  private failedAttempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  private failure: Error | undefined;
  private readonly onAbort = () => this.close();

  constructor(options: NodeEventsOptions<V>) {
    this.options = options;
    const clusters = options.cluster === undefined ? [] : [options.cluster].flat();
    for (const cluster of clusters) {
      this.subscriptions.set(cluster, { snapshot: options.snapshot ?? false, awaitingSnapshot: false });
    }
    const first = clusters[0];
    if (first !== undefined && options.since !== undefined && options.epoch !== undefined) {
      this.positions.set(first, { seq: options.since, epoch: options.epoch, fromSnapshot: true });
    }
    this.WebSocket = options.WebSocket ? Promise.resolve(options.WebSocket) : defaultWebSocket();
    if (options.signal?.aborted) {
      this.closed = true;
      return;
    }
    options.signal?.addEventListener('abort', this.onAbort, { once: true });
    void this.connect();
  }

  /** The last seq and epoch received per cluster: what a reconnect resumes from. */
  position(cluster: string): StreamPosition | undefined {
    const position = this.positions.get(cluster);
    return position && { seq: position.seq, epoch: position.epoch };
  }

  /** Subscribes to another cluster; `snapshot` starts it with the whole cluster. */
  subscribe(cluster: string, options: { snapshot?: boolean } = {}): void {
    this.subscriptions.set(cluster, {
      snapshot: options.snapshot ?? this.options.snapshot ?? false,
      awaitingSnapshot: false,
    });
    this.sendSubscribe(cluster);
  }

  unsubscribe(cluster: string): void {
    this.subscriptions.delete(cluster);
    this.positions.delete(cluster);
    this.send({ type: 'unsubscribe', data: cluster });
  }

  /** Ends the stream: the iterator finishes once the queued events are read. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.options.signal?.removeEventListener('abort', this.onAbort);
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.idleTimer);
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.onerror = () => {};
      socket.close(1000, 'client closed');
    }
    this.wake();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<NodeStreamEvent<V>, undefined>> {
    for (;;) {
      const event = this.queue.shift();
      if (event !== undefined) {
        return { value: event, done: false };
      }
      if (this.failure) {
        throw this.failure;
      }
      if (this.closed) {
        return { value: undefined, done: true };
      }
      await new Promise<void>((resolve) => {
        this.waiter = { resolve };
      });
    }
  }

  async return(): Promise<IteratorResult<NodeStreamEvent<V>, undefined>> {
    this.close();
    this.queue.length = 0;
    return { value: undefined, done: true };
  }

  private push(event: NodeStreamEvent<V>): void {
    this.queue.push(event);
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.resolve();
  }

  private fail(error: Error): void {
    this.failure = error;
    this.close();
  }

  /** How to (re)join a cluster: after its last seq, or from a snapshot when none was seen after a first connection. */
  private resumeFor(cluster: string, subscription: Subscription): { since?: number; epoch?: string; snapshot: boolean } {
    const position = this.positions.get(cluster);
    if (position) {
      return { since: position.seq, epoch: position.epoch, snapshot: false };
    }
    // A reconnect that saw no event of the cluster cannot tell what it
    // missed, so it takes the whole cluster.
    return { snapshot: subscription.snapshot || this.failedAttempts > 0 || subscription.awaitingSnapshot };
  }

  private async connect(): Promise<void> {
    let WebSocket: WebSocketConstructor;
    try {
      WebSocket = await this.WebSocket;
    } catch (error) {
      this.fail(error instanceof Error ? error : new NodeEventsError(String(error)));
      return;
    }
    if (this.closed) {
      return;
    }
    const query = new URLSearchParams();
    const [first] = this.subscriptions;
    if (first) {
      const [cluster, subscription] = first;
      query.set('cluster', cluster);
      const resume = this.resumeFor(cluster, subscription);
      if (resume.since !== undefined && resume.epoch !== undefined) {
        query.set('since', String(resume.since));
        query.set('epoch', resume.epoch);
      } else if (resume.snapshot) {
        query.set('snapshot', 'true');
      }
    }
    if (this.options.view) {
      query.set('view', this.options.view);
    }
    if (this.options.batch) {
      query.set('batch', 'true');
    }
    if (this.options.token !== undefined) {
      query.set('token', this.options.token);
    }
    let socket: WebSocketLike;
    try {
      socket = new WebSocket(eventsUrl(this.options.baseUrl, query));
    } catch (error) {
      this.fail(error instanceof Error ? error : new NodeEventsError(String(error)));
      return;
    }
    this.socket = socket;
    let refusal: number | undefined;
    socket.onopen = () => {
      for (const cluster of this.subscriptions.keys()) {
        if (cluster !== first?.[0]) {
          this.sendSubscribe(cluster);
        }
      }
      this.resetIdleTimer();
    };
    socket.onmessage = (event: { data: unknown }) => {
      this.resetIdleTimer();
      this.receive(decode(event.data));
    };
    // ws reports a refused upgrade as "Unexpected server response: 401";
    // browsers never tell the status, so there every close is retried.
    socket.onerror = (event: { error?: unknown; message?: unknown }) => {
      const message = event.error instanceof Error ? event.error.message : String(event.message ?? '');
      const status = /Unexpected server response: (\d{3})/.exec(message)?.[1];
      if (status !== undefined) {
        refusal = Number(status);
      }
    };
    socket.onclose = (event: { code?: number; reason?: unknown }) => {
      if (this.socket !== socket) {
        return;
      }
      this.socket = undefined;
      clearTimeout(this.idleTimer);
      if (refusal !== undefined && isFatalStatus(refusal)) {
        this.fail(new NodeEventsError(`the server refused the WebSocket upgrade with ${refusal}`, refusal));
        return;
      }
      this.failedAttempts += 1;
      const { maxAttempts } = this.options;
      if (maxAttempts !== undefined && this.failedAttempts > maxAttempts) {
        this.fail(new NodeEventsError(`gave up after ${maxAttempts} failed connection attempts`, refusal));
        return;
      }
      const initial = this.options.backoff?.initialMs ?? 250;
      const max = this.options.backoff?.maxMs ?? 10_000;
      const delay = Math.min(max, initial * 2 ** (this.failedAttempts - 1));
      this.push({
        type: 'disconnected',
        code: event.code ?? 1006,
        reason: typeof event.reason === 'string' ? event.reason : decode(event.reason ?? ''),
        attempt: this.failedAttempts,
        retry_in_ms: delay,
      });
      this.reconnectTimer = setTimeout(() => void this.connect(), delay);
    };
  }

  private resetIdleTimer(): void {
    clearTimeout(this.idleTimer);
    const socket = this.socket;
    this.idleTimer = setTimeout(() => {
      // terminate (ws) drops a dead TCP connection at once; close would wait for a close frame that never comes.
      const terminate = (socket as { terminate?: () => void } | undefined)?.terminate;
      if (terminate) {
        terminate.call(socket);
      } else {
        socket?.close(4000, 'idle');
      }
    }, this.options.idleTimeoutMs ?? 75_000);
  }

  private send(message: ClientMessage): void {
    if (this.socket?.readyState === OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }

  private sendSubscribe(cluster: string): void {
    const subscription = this.subscriptions.get(cluster);
    if (!subscription) {
      return;
    }
    const resume = this.resumeFor(cluster, subscription);
    this.send({
      type: 'subscribe',
      data: cluster,
      ...(resume.since !== undefined && resume.epoch !== undefined
        ? { since: resume.since, epoch: resume.epoch }
        : resume.snapshot
          ? { snapshot: true }
          : {}),
    });
  }

  private receive(text: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      this.fail(new NodeEventsError(`the server sent a frame that is not JSON: ${text.slice(0, 200)}`));
      return;
    }
    for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
      this.handle(message as ServerMessage<V>);
    }
  }

  private handle(message: ServerMessage<V>): void {
    switch (message.type) {
      case 'connected':
        this.failedAttempts = 0;
        break;
      case 'ping':
        this.send({ type: 'pong' });
        break;
      case 'node_add':
      case 'node_update':
      case 'node_delete': {
        if (!this.acceptNodeEvent(message)) {
          return;
        }
        break;
      }
      case 'resync': {
        const subscription = this.subscriptions.get(message.cluster_name);
        if (subscription) {
          subscription.awaitingSnapshot = true;
        }
        break;
      }
      case 'snapshot': {
        this.positions.set(message.cluster_name, { seq: message.seq, epoch: message.epoch, fromSnapshot: true });
        const subscription = this.subscriptions.get(message.cluster_name);
        if (subscription) {
          subscription.awaitingSnapshot = false;
        }
        break;
      }
      default:
        break;
    }
    this.push(message);
  }

  /** Tracks the cluster's seq; false for an event to drop (a duplicate, or one while waiting for a snapshot). */
  private acceptNodeEvent(event: NodeChangeMessage<'node_add' | 'node_update' | 'node_delete', V>): boolean {
    const cluster = event.cluster_name;
    const subscription = this.subscriptions.get(cluster);
    if (!subscription || subscription.awaitingSnapshot) {
      return false;
    }
    const position = this.positions.get(cluster);
    if (position && position.epoch === event.epoch) {
      if (event.seq <= position.seq) {
        return false;
      }
      const contiguous = position.fromSnapshot ? event.prev <= position.seq : event.prev === position.seq;
      if (!contiguous) {
        subscription.awaitingSnapshot = true;
        this.push({ type: 'gap', cluster_name: cluster, last_seq: position.seq, prev: event.prev, seq: event.seq });
        this.send({ type: 'subscribe', data: cluster, snapshot: true });
        return false;
      }
    }
    this.positions.set(cluster, { seq: event.seq, epoch: event.epoch, fromSnapshot: false });
    return true;
  }
}

/**
 * One cluster's nodes kept up to date from a stream's events: a snapshot
 * replaces them all, adds and updates set a node, deletes remove it.
 */
export class ClusterNodes<V extends View = 'summary'> {
  readonly nodes = new Map<string, NodeData<V>>();
  seq: number | undefined;

  constructor(readonly cluster: string) {}

  apply(event: NodeStreamEvent<V>): void {
    if (!('cluster_name' in event) || event.cluster_name !== this.cluster) {
      return;
    }
    switch (event.type) {
      case 'snapshot':
        this.nodes.clear();
        for (const node of event.data) {
          this.nodes.set(nodeName(node), node);
        }
        this.seq = event.seq;
        break;
      case 'node_add':
      case 'node_update':
        this.nodes.set(event.node_name, event.data);
        this.seq = event.seq;
        break;
      case 'node_delete':
        this.nodes.delete(event.node_name);
        this.seq = event.seq;
        break;
      default:
        break;
    }
  }
}

function nodeName(node: NodeSummary | KubernetesNode): string {
  return 'name' in node ? node.name : String(node.metadata.name);
}
