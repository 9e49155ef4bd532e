import { sql } from "kysely";
import type { ServerConfig } from "../config.js";
import type { DatabaseHandle } from "../db/handle.js";
import { ApiError } from "../errors.js";
import type { UsageLedger } from "./ledger.js";

interface Budget {
  dailyUsd?: number | undefined;
  monthlyUsd?: number | undefined;
}

interface Subject {
  column: "tenant" | "key_id";
  value: string;
  /** How the 402 names it: `tenant "acme"`, `API key 3f2a…`. */
  label: string;
  budget: Budget;
}

const usd = (n: number) => `$${n.toFixed(4).replace(/0{1,2}$/, "")}`;

/**
 * Budgets on tenants (`tenants.<id>.budget`) and API keys (`auth.apiKeys[].budget`). A generation first
 * reserves its estimate: one check at a time, each seeing the spend written so far (the ledger is flushed
 * first) plus what requests in flight have reserved, so concurrent requests cannot overspend by more than
 * one estimate. The reservation is released when the generation ends, by which time its real cost is in
 * the ledger. Reservations live in this process: several API nodes each keep their own.
 */
export class BudgetGuard {
  private readonly tenants = new Map<string, Budget>();
  private readonly keys = new Map<string, Budget>();
  private readonly reserved = new Map<string, number>();
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    config: ServerConfig,
    private readonly database: DatabaseHandle,
    private readonly ledger: UsageLedger | undefined,
  ) {
    for (const [id, t] of Object.entries(config.tenants)) if (t.budget) this.tenants.set(id, t.budget);
    for (const k of config.auth.apiKeys) if (k.budget) this.keys.set(k.sha256.toLowerCase().slice(0, 12), k.budget);
  }

  private subjects(caller: { tenant: string; keyId?: string | undefined }): Subject[] {
    const out: Subject[] = [];
    const tenant = this.tenants.get(caller.tenant);
    if (tenant) out.push({ column: "tenant", value: caller.tenant, label: `tenant ${JSON.stringify(caller.tenant)}`, budget: tenant });
    const key = caller.keyId ? this.keys.get(caller.keyId) : undefined;
    if (key && caller.keyId) out.push({ column: "key_id", value: caller.keyId, label: `API key ${caller.keyId}`, budget: key });
    return out;
  }

  /**
   * Reserve `estimateUsd` (or what the function returns, asked only when a budget applies) against every budget that applies, or throw 402 `budget_exceeded` naming the
   * budget, the spend so far and the estimate. Returns the release (call it once the generation ended).
   */
  async reserve(caller: { tenant: string; keyId?: string | undefined }, estimateUsd: number | (() => number)): Promise<() => void> {
    const subjects = this.subjects(caller);
    if (subjects.length === 0) return () => undefined;
    // The estimate (a parse, a validation and a price lookup) is made only when a budget applies.
    const estimate = typeof estimateUsd === "function" ? estimateUsd() : estimateUsd;
    const turn = this.tail.then(() => this.check(subjects, estimate));
    // The next check waits for this one, whatever its outcome.
    this.tail = turn.catch(() => undefined);
    return turn;
  }

  private async check(subjects: Subject[], estimateUsd: number): Promise<() => void> {
    await this.ledger?.flush();
    const now = new Date();
    const windows = [
      { name: "daily", field: "dailyUsd" as const, start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())) },
      { name: "monthly", field: "monthlyUsd" as const, start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)) },
    ];
    for (const subject of subjects) {
      for (const w of windows) {
        const limit = subject.budget[w.field];
        if (limit === undefined) continue;
        const row = await this.database.run((db) =>
          db
            .selectFrom("usage_events")
            .select(sql<number>`coalesce(sum(coalesce(actual_usd, estimated_usd)), 0)`.as("spent"))
            .where(subject.column, "=", subject.value)
            .where("is_mock", "=", false)
            .where("created_at", ">=", w.start)
            .executeTakeFirstOrThrow(),
        );
        const spent = Number(row.spent);
        const inFlight = this.reserved.get(`${subject.column}\u0000${subject.value}`) ?? 0;
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
    for (const s of subjects) {
      const k = `${s.column}\u0000${s.value}`;
      this.reserved.set(k, (this.reserved.get(k) ?? 0) + estimateUsd);
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      for (const s of subjects) {
        const k = `${s.column}\u0000${s.value}`;
        const left = (this.reserved.get(k) ?? 0) - estimateUsd;
        if (left > 1e-12) this.reserved.set(k, left);
        else this.reserved.delete(k);
      }
    };
  }
}
