// Leader election on a coordination.k8s.io Lease, as client-go's leaderelection does it: the
// holder renews every `retryPeriod`; another candidate takes over only when the lease has not
// been renewed for `leaseDuration`. Optimistic concurrency (resourceVersion) makes a race
// between candidates a 409 for the loser. A leader that cannot renew within `renewDeadline`
// gives up leadership (the controller then exits, so it can never act on stale beliefs).
import * as k8s from '@kubernetes/client-node';
import type { Logger } from '../logging.js';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

/** Lease times read back as strings; the serializer needs V1MicroTime (six fractional digits). */
function microTime(value: unknown): k8s.V1MicroTime | undefined {
  return value ? new k8s.V1MicroTime(value as string) : undefined;
}

type LeaseDecision = 'acquire' | 'renew' | 'wait';

/** Pure: what a candidate should do given the lease it read. */
export function decideLease(lease: k8s.V1Lease | undefined, identity: string, now: number): LeaseDecision {
  const spec = lease?.spec;
  if (!spec?.holderIdentity) return 'acquire';
  if (spec.holderIdentity === identity) return 'renew';
  const renewed = spec.renewTime ? new Date(spec.renewTime as unknown as string).getTime() : 0;
  const durationMs = (spec.leaseDurationSeconds ?? 15) * 1000;
  return renewed + durationMs < now ? 'acquire' : 'wait';
}

export class LeaderElector {
  private readonly api: k8s.CoordinationV1Api;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private leading = false;
  private stopped = false;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    kc: k8s.KubeConfig,
    private readonly opts: LeaderElectionOptions,
    private readonly log: Logger,
  ) {
    this.api = kc.makeApiClient(k8s.CoordinationV1Api);
    this.leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** Runs until stop(); calls onStarted once leadership is acquired and onStopped if it is lost. */
  run(callbacks: { onStartedLeading: () => void; onStoppedLeading: () => void }): void {
    const tick = async () => {
      if (this.stopped) return;
      const ok = await this.tryAcquireOrRenew().catch((err) => {
        this.log.warn({ err: String(err) }, 'leader election: lease request failed');
        return false;
      });
      const now = Date.now();
      if (ok && !this.leading) {
        this.leading = true;
        this.log.info({ lease: `${this.opts.namespace}/${this.opts.name}` }, 'became leader');
        callbacks.onStartedLeading();
      } else if (!ok && this.leading && now - this.lastRenew > this.renewDeadlineMs) {
        this.leading = false;
        this.log.error('lost leadership (could not renew the lease in time)');
        callbacks.onStoppedLeading();
        return;
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), this.retryPeriodMs);
    };
    void tick();
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    const now = new k8s.V1MicroTime();
    let lease: k8s.V1Lease | undefined;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) throw err;
    }
    const spec: k8s.V1LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000),
      renewTime: now,
    };
    if (!lease) {
      try {
        await this.api.createNamespacedLease({
          namespace,
          body: { metadata: { name, namespace }, spec: { ...spec, acquireTime: now, leaseTransitions: 0 } },
        });
      } catch (err) {
        if ((err as { code?: number }).code === 409) return false;
        throw err;
      }
      this.lastRenew = Date.now();
      return true;
    }
    const decision = decideLease(lease, identity, Date.now());
    if (decision === 'wait') return false;
    const acquiring = decision === 'acquire';
    const body: k8s.V1Lease = {
      ...lease,
      spec: {
        ...spec,
        acquireTime: acquiring ? now : microTime(lease.spec?.acquireTime),
        leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + (acquiring ? 1 : 0),
      },
    };
    try {
      await this.api.replaceNamespacedLease({ name, namespace, body });
    } catch (err) {
      if ((err as { code?: number }).code === 409) return false;
      throw err;
    }
    this.lastRenew = Date.now();
    return true;
  }

  /** Stops campaigning; a leader releases the lease so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    const { namespace, name } = this.opts;
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          ...lease,
          spec: {
            ...lease.spec,
            acquireTime: microTime(lease.spec?.acquireTime),
            renewTime: new k8s.V1MicroTime(),
            holderIdentity: '',
            leaseDurationSeconds: 1,
          },
        },
      });
    } catch (err) {
      this.log.warn({ err: String(err) }, 'could not release the lease');
    }
  }
}
