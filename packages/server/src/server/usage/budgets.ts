import { createHash } from "node:crypto";
import { sql } from "kysely";
import type { Logger } from "../../../../../src/core/logger.js";
import type { Budget, KeyStore } from "../admin/store.js";
import type { ServerConfig } from "../config.js";
import type { DatabaseHandle } from "../db/handle.js";
import { ApiError } from "../errors.js";
import type { UsageLedger } from "./ledger.js";

interface Subject {
  column: "tenant" | "key_id";
  value: string;
  /** The reservation's subject and lock name: `tenant:acme`, `key:3f2a9c1d0e4b`. */
  id: string;
  /** How the 402 names it: `tenant "acme"`, `API key 3f2a…`. */
  label: string;
  budget: Budget;
}

const usd = (n: number) => `$${n.toFixed(4).replace(/0{1,2}$/, "")}`;

/** A reservation left by a node that died mid-generation stops holding budget after this long. */
export const RESERVATION_TTL_SECONDS = 2 * 3600;

/** A 64-bit advisory-lock id per subject (a collision only makes two subjects wait for each other). */
const lockId = (subject: string) => createHash("sha256").update(subject).digest().readBigInt64BE(0).toString();

/**
 * Budgets on tenants and API keys: the config file's (`tenants.<id>.budget`, `auth.apiKeys[].budget`)
 * and the database's (set through the admin API; for a tenant in both, the database's fields win).
 *
 * A generation first reserves its estimate. The check and the reservation are one transaction that
 * holds a lock per subject (`pg_advisory_xact_lock`), sees the spend written so far plus every
 * reservation in flight on any node sharing the database, and writes its own reservation row, so
 * concurrent requests — on one node or many — cannot overspend by more than one estimate. The
 * reservation is deleted when the generation ends, once its real cost is in the ledger.
 */
export class BudgetGuard {
  private readonly tenants = new Map<string, Budget>();
  private readonly keys = new Map<string, Budget>();
  private tail: Promise<unknown> = Promise.resolve();
  /** Releases under way: a check on this node waits for them, so it never counts a settled request twice. */
  private readonly releasing = new Set<Promise<void>>();
  private checks = 0;

  constructor(
    config: ServerConfig,
    private readonly database: DatabaseHandle,
    private readonly ledger: UsageLedger | undefined,
    private readonly store?: KeyStore | undefined,
    private readonly logger?: Logger | undefined,
  ) {
    for (const [id, t] of Object.entries(config.tenants)) if (t.budget) this.tenants.set(id, t.budget);
    for (const k of config.auth.apiKeys) if (k.budget) this.keys.set(k.sha256.toLowerCase().slice(0, 12), k.budget);
  }

  private async subjects(caller: { tenant: string; keyId?: string | undefined }): Promise<Subject[]> {
    const out: Subject[] = [];
    // The database's settings (cached; the last value read when the database is briefly unreachable).
    const row = this.store ? await this.store.tenant(caller.tenant, { stale: true }) : undefined;
    const tenant = { ...this.tenants.get(caller.tenant), ...row?.budget };
    if (tenant.dailyUsd !== undefined || tenant.monthlyUsd !== undefined) {
      out.push({ column: "tenant", value: caller.tenant, id: `tenant:${caller.tenant}`, label: `tenant ${JSON.stringify(caller.tenant)}`, budget: tenant });
    }
    if (caller.keyId) {
      const key = this.keys.get(caller.keyId) ?? (this.store ? (await this.store.keyById(caller.keyId, { stale: true }))?.budget : undefined);
      if (key && (key.dailyUsd !== undefined || key.monthlyUsd !== undefined)) {
        out.push({ column: "key_id", value: caller.keyId, id: `key:${caller.keyId}`, label: `API key ${caller.keyId}`, budget: key });
      }
    }
    return out;
  }

  /**
   * Reserve `estimateUsd` (or what the function returns, asked only when a budget applies) against every budget that applies, or throw 402 `budget_exceeded` naming the
   * budget, the spend so far and the estimate. Returns the release (call it once the generation ended).
   */
  async reserve(caller: { tenant: string; keyId?: string | undefined }, estimateUsd: number | (() => number)): Promise<() => void> {
    const subjects = await this.subjects(caller);
    if (subjects.length === 0) return () => undefined;
    // The estimate (a parse, a validation and a price lookup) is made only when a budget applies.
    const estimate = typeof estimateUsd === "function" ? estimateUsd() : estimateUsd;
    // One check at a time on this node (the database lock orders nodes; this spares it the queue).
    const turn = this.tail.then(() => this.check(subjects, estimate));
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async check(subjects: Subject[], estimateUsd: number): Promise<() => void> {
    await Promise.allSettled([...this.releasing]);
    await this.ledger?.flush();
    const now = new Date();
    const windows = [
      { name: "daily", field: "dailyUsd" as const, start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())) },
      { name: "monthly", field: "monthlyUsd" as const, start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)) },
    ];
    const sweep = this.checks++ % 100 === 0;
    const ids = await this.database.run((db) =>
      db.transaction().execute(async (tx) => {
        // Locks in one order on every node: two requests for the same tenant and key cannot deadlock.
        for (const s of [...subjects].sort((a, b) => (a.id < b.id ? -1 : 1))) await sql`SELECT pg_advisory_xact_lock(${lockId(s.id)}::bigint)`.execute(tx);
        if (sweep) await tx.deleteFrom("budget_reservations").where("expires_at", "<", sql<Date>`now()`).execute();
        for (const subject of subjects) {
          const held = await tx
            .selectFrom("budget_reservations")
            .select(sql<number>`coalesce(sum(amount_usd), 0)`.as("held"))
            .where("subject", "=", subject.id)
            .where("expires_at", ">", sql<Date>`now()`)
            .executeTakeFirstOrThrow();
          const inFlight = Number(held.held);
          for (const w of windows) {
            const limit = subject.budget[w.field];
            if (limit === undefined) continue;
            const row = await tx
              .selectFrom("usage_events")
              .select(sql<number>`coalesce(sum(coalesce(actual_usd, estimated_usd)), 0)`.as("spent"))
              .where(subject.column, "=", subject.value)
              .where("is_mock", "=", false)
              .where("created_at", ">=", w.start)
              .executeTakeFirstOrThrow();
            const spent = Number(row.spent);
            if (spent + inFlight + estimateUsd > limit + 1e-9) {
              throw new ApiError(
                402,
                `budget exceeded: the ${w.name} budget of ${subject.label} is ${usd(limit)}; spent so far ${usd(spent)}` +
                  `${inFlight > 0 ? ` plus ${usd(inFlight)} reserved by requests in flight` : ""}, and this request is estimated at ${usd(estimateUsd)}`,
                { type: "insufficient_quota", code: "budget_exceeded" },
              );
            }
          }
        }
        if (estimateUsd <= 0) return [];
        const rows = await tx
          .insertInto("budget_reservations")
          .values(subjects.map((s) => ({ subject: s.id, amount_usd: estimateUsd, expires_at: sql<string>`now() + make_interval(secs => ${RESERVATION_TTL_SECONDS})` })))
          .returning("id")
          .execute();
        return rows.map((r) => r.id);
      }),
    );
    let released = false;
    return () => {
      if (released || ids.length === 0) return;
      released = true;
      const release = this.settle(ids).finally(() => this.releasing.delete(release));
      this.releasing.add(release);
    };
  }

  /** The generation's attempts go to the ledger first, then its reservation goes: never a moment with neither. */
  private async settle(ids: string[]): Promise<void> {
    try {
      await this.ledger?.flush();
      await this.database.run((db) => db.deleteFrom("budget_reservations").where("id", "in", ids).execute());
    } catch (error) {
      // The reservation expires by itself (RESERVATION_TTL_SECONDS); until then it holds budget.
      this.logger?.warn({ error: error instanceof Error ? error.message : String(error), reservations: ids.length }, "a budget reservation could not be released; it expires by itself");
    }
  }
}
