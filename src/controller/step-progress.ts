// Reads a running step's live progress: the tail of its container's log, from the Job's newest
// pod (given, from the watched cache), through the API server (RBAC: get pods/log): a log line
// has no event, so this is the one read a running step costs per poll. Best effort: a pod not yet running, a node
// that cannot serve logs or a log without a progress line gives undefined, never an error.
import * as k8s from '@kubernetes/client-node';
import type { StepProgress } from '../api/types.js';
import { PROGRESS_TAIL_LINES, lastProgress } from '../contract/progress-record.js';
import type { StepName } from '../contract/result.js';

export async function readStepProgress(
  core: k8s.CoreV1Api,
  namespace: string,
  pods: k8s.V1Pod[],
  step: StepName,
): Promise<StepProgress | undefined> {
  try {
    const newest = pods
      .filter((p) => p.spec?.nodeName)
      .sort(
        (a, b) =>
          new Date(b.metadata?.creationTimestamp ?? 0).getTime() -
          new Date(a.metadata?.creationTimestamp ?? 0).getTime(),
      )[0];
    if (!newest) return undefined;
    const log = await core.readNamespacedPodLog({
      namespace,
      name: newest.metadata!.name!,
      container: step,
      tailLines: PROGRESS_TAIL_LINES,
    });
    return lastProgress(typeof log === 'string' ? log : String(log));
  } catch {
    return undefined;
  }
}
