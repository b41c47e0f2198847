// One container's log through the API server's pods/log, as `kubectl logs [-f]` reads it: with
// follow=true the API server proxies the kubelet's stream, which ends when the container does.
// Not client-node's Log: it turns an API server refusal (400 "container ... is not valid", 404)
// into a bare "Error occurred in log request" and does not report a stream that breaks off, so a
// dropped connection looked like a log that had simply ended. Here both are one sentence.
import type * as k8s from '@kubernetes/client-node';
import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Writable, type Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EXIT, UserFacingError, errorMessage } from '../errors.js';
import type { Target } from './kube.js';

export interface LogStreamOptions {
  follow: boolean;
  tailLines?: number;
  /** Applied to the bytes on their way to `sink` (the readable-lines formatter); none for --raw. */
  transform?: Transform;
}

/** The pods/log URL kubectl asks for (same query parameters). Pure. */
export function podLogUrl(
  server: string,
  namespace: string,
  pod: string,
  container: string,
  opts: LogStreamOptions,
): URL {
  const url = new URL(
    `${server.replace(/\/+$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod)}/log`,
  );
  url.searchParams.set('container', container);
  if (opts.follow) url.searchParams.set('follow', 'true');
  if (opts.tailLines !== undefined) url.searchParams.set('tailLines', String(opts.tailLines));
  return url;
}

/** The API server's Status message of a refused request, else the body's first line. Pure. */
export function refusalMessage(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === 'string' && parsed.message) return parsed.message;
  } catch {
    // not a Status object: a proxy's or kubelet's plain text
  }
  return body.trim().split('\n')[0] || `HTTP ${status}`;
}

async function open(t: Target, url: URL): Promise<IncomingMessage> {
  const options: RequestOptions = { method: 'GET' };
  await t.kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'http:' ? httpRequest : httpsRequest)(url, options, resolve);
    req.once('error', reject);
    req.end();
  });
}

/**
 * Writes the container's log to `sink` and resolves when the API server ends the stream (with
 * follow: when the container has ended, or the stream was closed). Refusals and a stream that
 * breaks off reject with a UserFacingError that says so.
 */
export async function streamPodLog(
  t: Target,
  pod: string,
  container: string,
  sink: NodeJS.WritableStream,
  opts: LogStreamOptions,
): Promise<void> {
  const server = t.kc.getCurrentCluster()?.server ?? '';
  const url = podLogUrl(server, t.namespace, pod, container, opts);
  let res: IncomingMessage;
  try {
    res = await open(t, url);
  } catch (err) {
    throw new UserFacingError(
      `cannot reach the API server ${server} for the log of pod ${pod}: ${errorMessage(err)}`,
      'ApiError',
      EXIT.internal,
    );
  }
  if (res.statusCode !== 200) {
    let body = '';
    for await (const chunk of res) body += String(chunk);
    throw new UserFacingError(
      `the API server refused the log of pod ${pod} (HTTP ${res.statusCode}): ${refusalMessage(res.statusCode ?? 0, body)}`,
      'ApiError',
      EXIT.internal,
    );
  }
  // stdout is never ended by us (it is the process's), so bytes go to it through a Writable that
  // honours its back-pressure.
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (sink.write(chunk)) done();
      else sink.once('drain', () => done());
    },
  });
  try {
    if (opts.transform) await pipeline(res, opts.transform, out);
    else await pipeline(res, out);
  } catch (err) {
    throw new UserFacingError(
      `the log stream of pod ${pod} broke off (${errorMessage(err)}); run the command again to keep following`,
      'LogStreamBroken',
      EXIT.internal,
    );
  }
}

/** How a followed log ended, from the pod as read after the stream closed. */
export type LogEnd =
  | { kind: 'ended'; exitCode: number; reason: string }
  | { kind: 'gone' }
  /** The stream closed while the container still runs (an API server restart, a proxy's timeout). */
  | { kind: 'closed' };

/** Pure. `pod` undefined: it was deleted. */
export function logEnd(pod: k8s.V1Pod | undefined, container: string): LogEnd {
  if (!pod || pod.metadata?.deletionTimestamp) return { kind: 'gone' };
  const terminated = pod.status?.containerStatuses?.find((c) => c.name === container)?.state?.terminated;
  if (terminated)
    return {
      kind: 'ended',
      exitCode: terminated.exitCode,
      reason: terminated.reason ?? (terminated.exitCode === 0 ? 'Completed' : 'Error'),
    };
  return { kind: 'closed' };
}
