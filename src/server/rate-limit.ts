import type { ServerConfig } from "./config.js";

interface Bucket {
  tokens: number;
  updated: number;
}

/**
 * Per-tenant token buckets. A bucket holds up to `burst` tokens and refills at `requestsPerMinute`;
 * each request takes one. An empty bucket answers with the wait until the next token.
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

  private limitFor(tenant: string): { perMs: number; burst: number } | undefined {
    const l = this.overrides.get(tenant) ?? this.limits.rateLimit;
    if (!l) return undefined;
    return { perMs: l.requestsPerMinute / 60_000, burst: l.burst ?? Math.max(1, Math.ceil(l.requestsPerMinute)) };
  }

  /** Take a token: `{ ok: true }` or the milliseconds until one is available. */
  take(tenant: string): { ok: true } | { ok: false; retryAfterMs: number } {
    const limit = this.limitFor(tenant);
    if (!limit) return { ok: true };
    const t = this.now();
    let b = this.buckets.get(tenant);
    if (!b) {
      b = { tokens: limit.burst, updated: t };
      this.buckets.set(tenant, b);
    }
    b.tokens = Math.min(limit.burst, b.tokens + (t - b.updated) * limit.perMs);
    b.updated = t;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterMs: Math.ceil((1 - b.tokens) / limit.perMs) };
  }
}
