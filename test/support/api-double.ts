// An in-memory stand-in for the few API-server behaviours the controller's write helpers rely on
// (https://kubernetes.io/docs/reference/using-api/api-concepts/#concurrency-control-and-consistency):
// every write bumps metadata.resourceVersion; an update whose body carries a resourceVersion other
// than the stored one is refused with 409 Conflict; a create of an existing name is refused with
// 409 AlreadyExists; the status subresource changes only .status; every request is logged, so a
// test can assert "no write was sent".
import type * as k8s from '@kubernetes/client-node';
import type { AlmaRestore } from '../../src/api/types.js';
import type { FinalizerApi } from '../../src/controller/deletion.js';
import type { StatusApi } from '../../src/controller/status.js';
import type { ConfigMapApi } from '../../src/controller/configmap-sync.js';

export class ApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

type Stored = k8s.KubernetesObject & { metadata: k8s.V1ObjectMeta };

export class ApiDouble {
  readonly requests: string[] = [];
  private readonly objects = new Map<string, Stored>();
  private version = 100;

  private key(kind: string, namespace: string, name: string) {
    return `${kind}/${namespace}/${name}`;
  }

  private store<T extends Stored>(kind: string, obj: T): T {
    const copy = structuredClone(obj);
    copy.metadata.resourceVersion = String(++this.version);
    this.objects.set(this.key(kind, copy.metadata.namespace!, copy.metadata.name!), copy);
    return structuredClone(copy);
  }

  /** Puts an object in place as if someone else had written it (not logged as a request). */
  seed<T extends Stored>(kind: string, obj: T): T {
    return this.store(kind, obj);
  }

  /** What the server holds now. */
  peek<T extends Stored>(kind: string, namespace: string, name: string): T | undefined {
    const o = this.objects.get(this.key(kind, namespace, name));
    return o && (structuredClone(o) as T);
  }

  writes(): string[] {
    return this.requests.filter((r) => !r.startsWith('GET'));
  }

  private update<T extends Stored>(kind: string, body: T, apply: (stored: T) => T): T {
    const ns = body.metadata.namespace!;
    const name = body.metadata.name!;
    const stored = this.peek<T>(kind, ns, name);
    if (!stored) throw new ApiError(404, `${kind} ${ns}/${name} not found`);
    const rv = body.metadata.resourceVersion;
    if (rv !== undefined && rv !== stored.metadata.resourceVersion)
      throw new ApiError(
        409,
        `Operation cannot be fulfilled on ${kind} "${name}": the object has been modified`,
      );
    return this.store(kind, apply(stored));
  }

  readonly statusApi: StatusApi = {
    get: async (namespace, name) => {
      this.requests.push(`GET almarestores ${namespace}/${name}`);
      return this.peek<AlmaRestore>('almarestores', namespace, name);
    },
    replaceStatus: async (body) => {
      this.requests.push(`PUT almarestores/status ${body.metadata.namespace}/${body.metadata.name}`);
      return this.update('almarestores', body, (stored) => ({
        ...stored,
        status: structuredClone(body.status),
      }));
    },
  };

  /** The finalizer list PATCH (deletion.ts): guarded by resourceVersion, as the JSON patch's test op is. */
  readonly finalizerApi: FinalizerApi = {
    setFinalizers: async (restore, finalizers) => {
      this.requests.push(
        `PATCH almarestores ${restore.metadata.namespace}/${restore.metadata.name} finalizers`,
      );
      return this.update('almarestores', restore, (stored) => ({
        ...stored,
        metadata: { ...stored.metadata, finalizers: [...finalizers] },
      }));
    },
  };

  configMapApi(): ConfigMapApi {
    return {
      create: async (namespace, body) => {
        this.requests.push(`POST configmaps ${namespace}/${body.metadata!.name}`);
        if (this.peek('configmaps', namespace, body.metadata!.name!))
          throw new ApiError(409, `configmaps "${body.metadata!.name}" already exists`);
        return this.store('configmaps', { ...body, metadata: { ...body.metadata, namespace } } as Stored);
      },
      replace: async (namespace, name, body) => {
        this.requests.push(`PUT configmaps ${namespace}/${name}`);
        return this.update(
          'configmaps',
          { ...body, metadata: { ...body.metadata, namespace, name } } as Stored,
          () => ({
            ...(body as Stored),
            metadata: { ...body.metadata!, namespace, name },
          }),
        );
      },
    };
  }

  /** A metadata-only change by someone else (an annotation): bumps resourceVersion, keeps status. */
  annotate(kind: string, namespace: string, name: string, annotations: Record<string, string>) {
    const stored = this.peek<Stored>(kind, namespace, name)!;
    stored.metadata.annotations = { ...stored.metadata.annotations, ...annotations };
    this.store(kind, stored);
  }
}
