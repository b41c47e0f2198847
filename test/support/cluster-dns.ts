// The real node's cluster DNS, in the harness: answers A queries for Service names
// (<svc>.<ns>.svc.cluster.local) from the API server (the ClusterIP, or a headless Service's ready
// endpoint addresses), and NXDOMAIN for every other name: nothing is forwarded off the machine.
// It is what CoreDNS's kubernetes plugin does for the names the operator uses (the managed
// database's headless Service), and no more. Listens on the pod bridge's host address, port 53.
import { createSocket, type Socket } from 'node:dgram';
import * as k8s from '@kubernetes/client-node';

export const CLUSTER_DOMAIN = 'cluster.local';
const TYPE_A = 1;

/** Reads the question of a DNS query: the name (lower case) and type, and where it ends. */
export function parseQuestion(msg: Buffer): { name: string; type: number; end: number } | undefined {
  if (msg.length < 17) return undefined;
  const labels: string[] = [];
  let i = 12;
  while (i < msg.length && msg[i] !== 0) {
    const len = msg[i]!;
    if (len > 63) return undefined; // no compression in a question
    labels.push(msg.subarray(i + 1, i + 1 + len).toString('ascii'));
    i += len + 1;
  }
  if (i + 5 > msg.length) return undefined;
  return { name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(i + 1), end: i + 5 };
}

/** The answer to `query`: its question, and one A record per address (NXDOMAIN when undefined). */
export function buildAnswer(query: Buffer, questionEnd: number, addresses: string[] | undefined): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0); // id
  header.writeUInt16BE(addresses === undefined ? 0x8183 : 0x8180, 2); // response, RD+RA, rcode
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(addresses?.length ?? 0, 6);
  const answers = (addresses ?? []).map((ip) => {
    const rr = Buffer.alloc(16);
    rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
    rr.writeUInt16BE(TYPE_A, 2);
    rr.writeUInt16BE(1, 4); // IN
    rr.writeUInt32BE(5, 6); // TTL 5 s
    rr.writeUInt16BE(4, 10);
    ip.split('.').forEach((octet, n) => rr.writeUInt8(Number(octet), 12 + n));
    return rr;
  });
  return Buffer.concat([header, query.subarray(12, questionEnd), ...answers]);
}

/** `<svc>.<ns>.svc.cluster.local` -> [svc, ns], else undefined. */
export function serviceOf(name: string): [string, string] | undefined {
  const m = new RegExp(`^([a-z0-9-]+)\\.([a-z0-9-]+)\\.svc\\.${CLUSTER_DOMAIN.replace('.', '\\.')}$`).exec(
    name,
  );
  return m ? [m[1]!, m[2]!] : undefined;
}

export async function startClusterDns(kc: k8s.KubeConfig, host: string): Promise<{ stop(): Promise<void> }> {
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const resolve = async (name: string): Promise<string[] | undefined> => {
    const svc = serviceOf(name);
    if (!svc) return undefined;
    const service = await core
      .readNamespacedService({ namespace: svc[1], name: svc[0] })
      .catch(() => undefined);
    if (!service) return undefined;
    if (service.spec?.clusterIP && service.spec.clusterIP !== 'None') return [service.spec.clusterIP];
    const endpoints = await core
      .readNamespacedEndpoints({ namespace: svc[1], name: svc[0] })
      .catch(() => undefined);
    return (endpoints?.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
  };
  const socket: Socket = createSocket('udp4');
  socket.on('message', (msg, peer) => {
    const q = parseQuestion(msg);
    if (!q) return;
    void resolve(q.name).then((addresses) => {
      // A known name asked for another type (AAAA): NOERROR with no records.
      const answer = buildAnswer(
        msg,
        q.end,
        addresses === undefined ? undefined : q.type === TYPE_A ? addresses : [],
      );
      socket.send(answer, peer.port, peer.address);
    });
  });
  await new Promise<void>((r, j) => {
    socket.once('error', j);
    socket.bind(53, host, () => r());
  });
  socket.unref();
  return { stop: () => new Promise((r) => socket.close(() => r())) };
}
