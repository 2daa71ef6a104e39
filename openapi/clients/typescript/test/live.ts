import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run the tests under openapi/live.sh`);
  }
  return value;
}

export const live = {
  url: required('LIVE_URL'),
  authUrl: required('LIVE_AUTH_URL'),
  viewerToken: required('LIVE_VIEWER_TOKEN'),
  operatorToken: required('LIVE_OPERATOR_TOKEN'),
  kubeconfig: required('LIVE_KUBECONFIG'),
};

const run = promisify(execFile);

/** Labels a node of the open server's simulated cluster with the real kubectl. */
export async function kubectlLabel(node: string, key: string, value: string): Promise<void> {
  await run('kubectl', ['--kubeconfig', live.kubeconfig, 'label', 'node', node, `${key}=${value}`, '--overwrite']);
}

/** A value no earlier run used, so an event carrying it is this run's. */
export function unique(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}`;
}
