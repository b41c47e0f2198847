// The Events of one object as "Type/Reason: message" lines, and a wait for some of them. The
// controller sends Events in the background after the pass that recorded them (events.ts), so a
// test that has seen a status must wait for its Events, not read them once.
import type * as k8s from '@kubernetes/client-node';
import { waitForValue } from './control-plane.js';

export async function eventLines(core: k8s.CoreV1Api, namespace: string, name: string): Promise<string[]> {
  const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => `${e.type}/${e.reason}: ${e.message}`);
}

/** Waits until an Event of `name` matches each of `patterns` (a prefix or a RegExp); returns them all. */
export async function waitForEvents(
  core: k8s.CoreV1Api,
  namespace: string,
  name: string,
  patterns: (string | RegExp)[],
): Promise<string[]> {
  const matches = (line: string, p: string | RegExp) =>
    typeof p === 'string' ? line.startsWith(p) : p.test(line);
  return waitForValue(
    `Events ${patterns.map(String).join(', ')} on ${namespace}/${name}`,
    () => eventLines(core, namespace, name),
    (lines) => patterns.every((p) => lines.some((l) => matches(l, p))),
    { describe: (lines) => JSON.stringify(lines) },
  );
}
