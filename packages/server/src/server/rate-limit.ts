import type { ServerConfig } from "./config.js";

interface Bucket {
  tokens: number;
  updated: number;
  burst: number;
  perMs: number;
}

interface Limit {
  perMs: number;
  burst: number;
  requestsPerMinute: number;
}

/** Buckets kept at most; beyond it, the full ones (which mean the same as none) are dropped first. */
const MAX_BUCKETS = 10_000;

export type RateVerdict = { ok: true } | { ok: false; retryAfterMs: number; scope: "tenant" | "key"; requestsPerMinute: number };

/**
 * Token buckets per tenant and per API key. A bucket holds up to `burst` tokens and refills at
 * `requestsPerMinute`; each request takes one from its tenant's bucket and, when its key has a limit,
 * from the key's. An empty bucket answers with the wait until the next token. Buckets live in this
 * process: behind several nodes each node counts its own requests.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** Per-tenant overrides by tenant id (a tenant may be called `constructor`). */
  private readonly overrides: ReadonlyMap<string, NonNullable<ServerConfig["limits"]["rateLimit"]>>;

  constructor(
    private readonly limits: ServerConfig["limits"],
    private readonly now: () => number = () => performance.now(),
  ) {
    this.overrides = new Map(Object.entries(limits.tenants));
  }

  /** A tenant's limit: the database's setting, else `limits.tenants.<id>`, else `limits.rateLimit`. */
  private tenantLimit(tenant: string, databaseRpm: number | undefined): Limit | undefined {
    if (databaseRpm !== undefined) return limitOf(databaseRpm);
    const l = this.overrides.get(tenant) ?? this.limits.rateLimit;
    return l ? limitOf(l.requestsPerMinute, l.burst) : undefined;
  }

  /**
   * Take a token for a request of `tenant` (and `keyId`, when its key has a limit): `{ ok: true }`, or the
   * milliseconds until both buckets have one and which limit refused. Nothing is taken from either
   * bucket unless both have a token.
   */
  take(caller: { tenant: string; keyId?: string | undefined; keyRequestsPerMinute?: number | undefined; tenantRequestsPerMinute?: number | undefined }): RateVerdict {
    const t = this.now();
    const wanted: { bucket: Bucket; limit: Limit; scope: "tenant" | "key" }[] = [];
    const tenant = this.tenantLimit(caller.tenant, caller.tenantRequestsPerMinute);
    if (tenant) wanted.push({ bucket: this.bucket(`t\u0000${caller.tenant}`, tenant, t), limit: tenant, scope: "tenant" });
    if (caller.keyId && caller.keyRequestsPerMinute !== undefined) {
      const key = limitOf(caller.keyRequestsPerMinute);
      wanted.push({ bucket: this.bucket(`k\u0000${caller.keyId}`, key, t), limit: key, scope: "key" });
    }
    let refused: RateVerdict | undefined;
    for (const w of wanted) {
      if (w.bucket.tokens >= 1) continue;
      const wait = Math.ceil((1 - w.bucket.tokens) / w.limit.perMs);
      if (!refused || (!refused.ok && wait > refused.retryAfterMs)) refused = { ok: false, retryAfterMs: wait, scope: w.scope, requestsPerMinute: w.limit.requestsPerMinute };
    }
    if (refused) return refused;
    for (const w of wanted) w.bucket.tokens -= 1;
    return { ok: true };
  }

  /** The bucket, refilled to time `t` (a changed limit applies from now on). */
  private bucket(id: string, limit: Limit, t: number): Bucket {
    let b = this.buckets.get(id);
    if (!b) {
      if (this.buckets.size >= MAX_BUCKETS) this.prune(t);
      b = { tokens: limit.burst, updated: t, burst: limit.burst, perMs: limit.perMs };
      this.buckets.set(id, b);
    }
    b.burst = limit.burst;
    b.perMs = limit.perMs;
    b.tokens = Math.min(limit.burst, b.tokens + (t - b.updated) * limit.perMs);
    b.updated = t;
    return b;
  }

  /** Drop buckets that have refilled (as good as new), else the oldest half: the map stays bounded. */
  private prune(t: number): void {
    for (const [id, b] of this.buckets) if (b.tokens + (t - b.updated) * b.perMs >= b.burst) this.buckets.delete(id);
    if (this.buckets.size < MAX_BUCKETS) return;
    let drop = Math.floor(this.buckets.size / 2);
    for (const id of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(id);
    }
  }
}

function limitOf(requestsPerMinute: number, burst?: number): Limit {
  return { perMs: requestsPerMinute / 60_000, burst: burst ?? Math.max(1, Math.ceil(requestsPerMinute)), requestsPerMinute };
}
