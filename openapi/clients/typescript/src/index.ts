// The generated REST client (every operation of openapi/nodecast.json and its
// types) and the hand-written layer over it.
export * from './generated/index.js';
export { createClient, createConfig, type Client } from './generated/client/index.js';
export { createNodecastClient, listAllNodes, NodecastError, type NodecastClientOptions } from './client.js';
export * from './events.js';
