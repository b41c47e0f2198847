// One keep-alive connection pool per API server for everything a KubeConfig sends. client-node
// 1.4 builds a new https.Agent for every request (KubeConfig.createAgent, called from
// applySecurityAuthentication and applyToHTTPSOptions): every status PUT, Event POST and watch
// then opens its own TCP connection, does a full TLS handshake (client certificate included) and
// allocates a fresh OpenSSL context, freed only when V8 collects the agent: CPU on both sides, and
// native memory outside the V8 heap that the heap's size does not bound. client-go reuses its
// connections; so does the controller with this. The agent options client-node computes are kept
// (CA, client certificate, TLS server name, proxy) and keepAlive is added; one agent per distinct
// set of them. The method is private in client-node's types: when a version no longer has it,
// nothing is changed and false is returned (the requests still work, unpooled).
import type { Agent } from 'node:http';
import type * as k8s from '@kubernetes/client-node';

interface AgentFactory {
  createAgent?: (cluster: k8s.Cluster | null, options: Record<string, unknown>) => Agent;
}

/** Makes `kc` reuse keep-alive connections (in place); returns whether it could. */
export function shareConnections(kc: k8s.KubeConfig): boolean {
  const target = kc as unknown as AgentFactory;
  const create = target.createAgent;
  if (typeof create !== 'function') return false;
  const agents = new Map<string, Agent>();
  target.createAgent = (cluster, options) => {
    const key = JSON.stringify([
      cluster?.server,
      cluster?.proxyUrl,
      cluster?.skipTLSVerify,
      ...['ca', 'cert', 'key', 'pfx', 'servername', 'rejectUnauthorized'].map((k) => String(options[k])),
    ]);
    let agent = agents.get(key);
    if (!agent) {
      agent = create.call(kc, cluster, { ...options, keepAlive: true });
      agents.set(key, agent);
    }
    return agent;
  };
  return true;
}
