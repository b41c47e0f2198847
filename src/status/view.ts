// What `alma-restore status NAME` knows about a restore, gathered from the API server (the
// AlmaRestore, the current step's pod, the restore's Events) and reduced to one plain object:
// the source of both the text view (format.ts) and `-o json|yaml`. Progress fields are read
// generically, so that whatever a step reports in status shows up without a change here. Pure.
import type { AlmaRestore, InstitutionInventoryStatus, Phase, SizingPlan, StepStatus } from '../api/types.js';
import { STEP_ORDER, STEP_PHASES, stepOfPhase } from '../controller/phases.js';
import type { StepName } from '../contract/result.js';

/** The parts of a Pod that status shows (a V1Pod fits). */
export interface PodLike {
  metadata?: { name?: string; creationTimestamp?: Date | string };
  spec?: { nodeName?: string };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    containerStatuses?: {
      name: string;
      restartCount?: number;
      state?: {
        waiting?: { reason?: string; message?: string };
        running?: { startedAt?: Date | string };
        terminated?: { reason?: string; exitCode?: number; finishedAt?: Date | string; message?: string };
      };
    }[];
  };
}

/** The parts of an Event that status shows (a CoreV1Event fits). */
export interface EventLike {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: Date | string;
  eventTime?: Date | string;
  firstTimestamp?: Date | string;
  metadata?: { creationTimestamp?: Date | string };
}

export interface PodView {
  name: string;
  /** Pending, Running, Succeeded, Failed; with the container's own state after a colon. */
  state: string;
  node?: string;
  restarts: number;
}

export interface StepView {
  step: StepName;
  phase: StepStatus['phase'] | 'NotStarted';
  jobName?: string;
  attempt?: number;
  startTime?: string;
  completionTime?: string;
  reason?: string;
  message?: string;
  /** Whatever the step reports besides the fields above (progress, summary), flattened. */
  details: [string, string][];
}

export interface StatusView {
  namespace: string;
  name: string;
  phase: Phase | 'Unknown';
  /** The step that runs now, or that failed. */
  currentStep?: StepName;
  pod?: PodView;
  percent: number;
  progressMessage?: string;
  /** Seconds left, when status has an ETA or the step's progress allows an estimate. */
  etaSeconds?: number;
  etaSource?: 'status' | 'estimate';
  steps: StepView[];
  plan?: SizingPlan;
  tablespaces: { institutionId: string; tablespace: string; usedRatio: number; alertRatio: number }[];
  verification: {
    institutionId: string;
    passed: number;
    total: number;
    failed: { name: string; text: string }[];
  }[];
  /** status.inventory: what was restored, per institution and area, with the baseline's figures. */
  inventory: InstitutionInventoryStatus[];
  conditions: { type: string; status: string; reason: string; message: string }[];
  events: { time?: string; type: string; reason: string; message: string; count: number }[];
  commands: { logs: string; describe: string; retry?: string; events: string };
}

/** Progress percent at the start of each step's phase, and where the next phase starts. */
const PHASE_START: Partial<Record<Phase, number>> = {
  Fetching: 10,
  Preparing: 35,
  Importing: 40,
  Verifying: 90,
};
const NEXT_START: Partial<Record<Phase, number>> = {
  Fetching: 35,
  Preparing: 40,
  Importing: 90,
  Verifying: 100,
};

const iso = (t: Date | string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

/** Scalars of a nested object as "a.b" -> "value" pairs, for fields this module does not know. */
export function flatten(value: unknown, prefix = ''): [string, string][] {
  if (value === null || value === undefined) return [];
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== 'object' || v === null)) return [[prefix, value.join(', ')]];
    return value.flatMap((v, i) => flatten(v, `${prefix}[${i}]`));
  }
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      flatten(v, prefix ? `${prefix}.${k}` : k),
    );
  return [[prefix, String(value)]];
}

const KNOWN_STEP_FIELDS = new Set([
  'phase',
  'jobName',
  'attempt',
  'startTime',
  'completionTime',
  'reason',
  'message',
]);

/** The step that matters now: the running one, the failed one, or the last one that ran. */
export function currentStepOf(restore: AlmaRestore): StepName | undefined {
  const st = restore.status;
  const phase = st?.phase;
  const running = phase ? stepOfPhase(phase) : undefined;
  if (running) return running;
  if (st?.currentStep && (STEP_ORDER as string[]).includes(st.currentStep)) return st.currentStep as StepName;
  if (st?.failedStep && (STEP_ORDER as string[]).includes(st.failedStep)) return st.failedStep as StepName;
  const ran = STEP_ORDER.filter((s) => st?.steps?.[s]?.jobName);
  return ran.at(-1);
}

/** An ETA in seconds from status, wherever a step put it (etaSeconds, or an eta/estimated time). */
function etaFromStatus(restore: AlmaRestore, step: StepName | undefined, now: Date): number | undefined {
  const st = restore.status as Record<string, unknown> | undefined;
  const candidates = [st, step ? (st?.steps as Record<string, unknown> | undefined)?.[step] : undefined];
  for (const c of candidates) {
    for (const [k, v] of flatten(c)) {
      const key = k.split('.').at(-1)!.toLowerCase();
      if ((key === 'etaseconds' || key === 'remainingseconds') && Number.isFinite(Number(v)))
        return Number(v);
      if ((key === 'eta' || key === 'estimatedcompletiontime') && !Number.isNaN(Date.parse(v)))
        return Math.max(0, (Date.parse(v) - now.getTime()) / 1000);
    }
  }
  return undefined;
}

/** Time left, estimated from how long the step took to reach its share of the overall percent. */
export function estimateEta(
  phase: Phase,
  percent: number,
  stepStart: string | undefined,
  now: Date,
): number | undefined {
  const start = PHASE_START[phase];
  const end = NEXT_START[phase];
  if (start === undefined || end === undefined || !stepStart) return undefined;
  const fraction = (percent - start) / (end - start);
  const elapsed = (now.getTime() - Date.parse(stepStart)) / 1000;
  if (!(fraction >= 0.02) || fraction >= 1 || !(elapsed > 0)) return undefined;
  return (elapsed * (1 - fraction)) / fraction;
}

function podView(pod: PodLike | undefined, container: string): PodView | undefined {
  if (!pod?.metadata?.name) return undefined;
  const cs = pod.status?.containerStatuses?.find((c) => c.name === container);
  const s = cs?.state;
  const inner = s?.waiting
    ? `waiting (${s.waiting.reason ?? 'unknown'}${s.waiting.message ? `: ${s.waiting.message}` : ''})`
    : s?.running
      ? `running since ${iso(s.running.startedAt)}`
      : s?.terminated
        ? `terminated (${s.terminated.reason ?? 'exit'}, exit code ${s.terminated.exitCode ?? '?'})`
        : pod.status?.reason
          ? `${pod.status.reason}${pod.status.message ? `: ${pod.status.message}` : ''}`
          : undefined;
  return {
    name: pod.metadata.name,
    state: `${pod.status?.phase ?? 'Unknown'}${inner ? `: ${inner}` : ''}`,
    ...(pod.spec?.nodeName ? { node: pod.spec.nodeName } : {}),
    restarts: cs?.restartCount ?? 0,
  };
}

export function buildStatusView(
  restore: AlmaRestore,
  pods: PodLike[],
  events: EventLike[],
  now: Date = new Date(),
  maxEvents = 10,
): StatusView {
  const st = restore.status ?? {};
  const ns = restore.metadata.namespace ?? 'default';
  const name = restore.metadata.name;
  const phase = st.phase ?? 'Unknown';
  const current = currentStepOf(restore);
  const newestPod = [...pods].sort(
    (a, b) =>
      new Date(b.metadata?.creationTimestamp ?? 0).getTime() -
      new Date(a.metadata?.creationTimestamp ?? 0).getTime(),
  )[0];
  const steps: StepView[] = STEP_ORDER.map((step) => {
    const s = st.steps?.[step];
    if (!s) return { step, phase: 'NotStarted', details: [] };
    const extra = Object.fromEntries(Object.entries(s).filter(([k]) => !KNOWN_STEP_FIELDS.has(k)));
    return {
      step,
      phase: s.phase,
      ...(s.jobName ? { jobName: s.jobName } : {}),
      attempt: s.attempt,
      ...(s.startTime ? { startTime: s.startTime } : {}),
      ...(s.completionTime ? { completionTime: s.completionTime } : {}),
      ...(s.reason ? { reason: s.reason } : {}),
      ...(s.message ? { message: s.message } : {}),
      details: flatten(extra),
    };
  });
  const fromStatus = etaFromStatus(restore, current, now);
  const running = current && st.steps?.[current]?.phase === 'Running' ? current : undefined;
  const estimated =
    fromStatus === undefined && running && phase === STEP_PHASES[running]
      ? estimateEta(phase, st.progress ?? 0, st.steps?.[running]?.startTime, now)
      : undefined;
  const alertRatio = restore.spec.tablespaceGuard?.alertRatio ?? 0.85;
  const failedJob = current ? st.steps?.[current]?.jobName : undefined;
  const nsFlag = `-n ${ns}`;
  const retryable = phase === 'Failed';
  const sortedEvents = [...events].sort((a, b) => eventTime(a) - eventTime(b)).slice(-maxEvents);
  return {
    namespace: ns,
    name,
    phase,
    ...(current ? { currentStep: current } : {}),
    ...(current && newestPod ? { pod: podView(newestPod, current) } : {}),
    percent: st.progress ?? 0,
    ...(st.progressMessage ? { progressMessage: st.progressMessage } : {}),
    ...(fromStatus !== undefined
      ? { etaSeconds: fromStatus, etaSource: 'status' as const }
      : estimated !== undefined
        ? { etaSeconds: estimated, etaSource: 'estimate' as const }
        : {}),
    steps,
    ...(st.plan ? { plan: st.plan } : {}),
    tablespaces: (st.tablespaces ?? []).map((t) => ({
      institutionId: t.institutionId,
      tablespace: t.tablespace,
      usedRatio: t.usedRatio,
      alertRatio,
    })),
    verification: (st.verification ?? []).map((v) => ({
      institutionId: v.institutionId,
      passed: v.checks.filter((c) => c.passed).length,
      total: v.checks.length,
      failed: v.checks
        .filter((c) => !c.passed)
        .map((c) => ({
          name: c.name,
          text: [
            c.observed !== undefined ? `observed ${c.observed}` : '',
            c.expected !== undefined ? `expected ${c.expected}` : '',
            c.action ?? '',
          ]
            .filter(Boolean)
            .join('; '),
        })),
    })),
    inventory: st.inventory ?? [],
    conditions: (st.conditions ?? []).map((c) => ({
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message,
    })),
    events: sortedEvents.map((e) => ({
      ...(eventTime(e) > 0 ? { time: new Date(eventTime(e)).toISOString() } : {}),
      type: e.type ?? 'Normal',
      reason: e.reason ?? '',
      message: e.message ?? '',
      count: e.count ?? 1,
    })),
    commands: {
      logs: failedJob
        ? `kubectl logs ${nsFlag} job/${failedJob} -c ${current}${retryable ? '' : ' -f'}   (or: alma-restore logs ${name} ${nsFlag})`
        : `alma-restore logs ${name} ${nsFlag}`,
      describe: `kubectl describe almarestore ${name} ${nsFlag}`,
      events: `kubectl get events ${nsFlag} --field-selector involvedObject.name=${name} --sort-by=.lastTimestamp`,
      ...(retryable
        ? {
            retry: `kubectl annotate almarestore ${name} ${nsFlag} almarestore.io/retry="$(date +%s)" --overwrite`,
          }
        : {}),
    },
  };
}

function eventTime(e: EventLike): number {
  const t = e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? e.metadata?.creationTimestamp;
  return t ? new Date(t).getTime() : 0;
}
