// The controller's KubeConfig hands every request and watch one keep-alive agent per server
// (src/runtime/shared-agent.ts), instead of client-node's new agent (new TLS handshake) per request.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { shareConnections } from '../../src/runtime/shared-agent.js';

function kubeConfig(server: string) {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function agentOf(kc: k8s.KubeConfig) {
  const opts: { agent?: unknown } = {};
  await kc.applyToHTTPSOptions(opts as never);
  return opts.agent as { keepAlive?: boolean; options?: { keepAlive?: boolean } };
}

describe('shared connections', () => {
  it('gives every request of a KubeConfig the same keep-alive agent', async () => {
    const plain = kubeConfig('https://127.0.0.1:1');
    assert.notEqual(
      await agentOf(plain),
      await agentOf(plain),
      "client-node's default: a new agent per request",
    );
    const kc = kubeConfig('https://127.0.0.1:1');
    assert.equal(shareConnections(kc), true);
    const first = await agentOf(kc);
    assert.equal(await agentOf(kc), first);
    assert.equal(first.keepAlive ?? first.options?.keepAlive, true);
    // The generated API clients go through applySecurityAuthentication: the same agent.
    let seen: unknown;
    await kc.applySecurityAuthentication({
      setAgent: (a: unknown) => (seen = a),
      setHeaderParam: () => {},
    } as never);
    assert.equal(seen, first);
  });
});
