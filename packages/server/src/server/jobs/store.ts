import { type Selectable, sql } from "kysely";
import type { DatabaseHandle } from "../db/handle.js";
import type { JobsTable, WebhookOutboxTable } from "../db/schema.js";
import { JOB_STATUSES, type Job, type JobKind, type JobStatus } from "./queue.js";

/**
 * Jobs in the database: the single-node queue's durable half (./memory.ts runs them, this remembers
 * them), and the place a Redis deployment's job records and results land too. The webhook outbox
 * lives here as well: a settled job's webhook row is written in the same transaction as its status.
 */

/** A webhook to deliver, as the queue hands it over with the job's terminal status. */
export interface OutboxEntry {
  url: string;
  /** The job's own secret; null means the gateway's webhooks.secret at delivery time. */
  secret: string | null;
  event: string;
  body: string;
}

export type OutboxRow = Selectable<WebhookOutboxTable>;

/** An unfinished job as a restart finds it: the record, its full request, its provider job if submitted. */
export interface UnfinishedJob {
  job: Job;
  request: Record<string, unknown>;
  /** How many times a process started it already. */
  runs: number;
}

type Row = Selectable<JobsTable>;

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const parsed = <T>(text: string | null): T | undefined => (text === null ? undefined : (JSON.parse(text) as T));
const iso = (d: Date | null): string | undefined => (d ? new Date(d).toISOString() : undefined);

/** Columns read for a job record (never the payload: it can be as large as the body limit). */
const RECORD_COLUMNS = [
  "id",
  "tenant",
  "kind",
  "status",
  "created_at",
  "started_at",
  "finished_at",
  "config",
  "request_summary",
  "webhook",
  "meta",
  "progress",
  "provider_ref",
  "result",
  "outputs",
  "error",
  "webhook_delivery",
] as const;

function toJob(row: Pick<Row, (typeof RECORD_COLUMNS)[number]>): Job {
  const job: Job = {
    id: row.id,
    tenant: row.tenant,
    kind: row.kind,
    status: row.status,
    createdAt: iso(row.created_at)!,
    config: JSON.parse(row.config) as Job["config"],
    request: JSON.parse(row.request_summary) as Record<string, unknown>,
  };
  const optional: Partial<Job> = {
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    webhook: parsed(row.webhook),
    meta: parsed(row.meta),
    progress: parsed(row.progress),
    providerRef: row.provider_ref ?? undefined,
    result: parsed(row.result),
    outputs: parsed(row.outputs),
    error: parsed(row.error),
    webhookDelivery: parsed(row.webhook_delivery),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) Object.assign(job, { [k]: v });
  return job;
}

/** The columns a terminal job writes (also what a Redis job's record upsert writes). */
function terminalColumns(job: Job) {
  return {
    status: job.status,
    started_at: job.startedAt ?? null,
    finished_at: job.finishedAt ?? null,
    progress: json(job.progress),
    provider_ref: job.providerRef ?? null,
    result: json(job.result),
    outputs: json(job.outputs),
    error: json(job.error),
    // The payload is only needed to run the job; a finished one keeps its summary.
    request: null,
  };
}

export class JobStore {
  constructor(private readonly database: DatabaseHandle) {}

  /** Record an accepted job with its full request (before the client hears 202). */
  async insert(job: Job, request: Record<string, unknown>, nodeId: string | null): Promise<void> {
    await this.database.run((db) =>
      db
        .insertInto("jobs")
        .values({
          id: job.id,
          tenant: job.tenant,
          kind: job.kind,
          status: job.status,
          created_at: job.createdAt,
          config: JSON.stringify(job.config),
          request: JSON.stringify(request),
          request_summary: JSON.stringify(job.request),
          webhook: json(job.webhook),
          meta: json(job.meta),
          node_id: nodeId,
        })
        .execute(),
    );
  }

  async started(id: string, startedAt: string, nodeId: string | null): Promise<void> {
    await this.database.run((db) =>
      db
        .updateTable("jobs")
        .set((eb) => ({ status: "running", started_at: startedAt, node_id: nodeId, runs: eb("runs", "+", 1) }))
        .where("id", "=", id)
        .where("status", "in", ["queued", "running"])
        .execute(),
    );
  }

  /** The provider job a running job submitted: from now on a restart re-attaches instead of submitting. */
  async submitted(id: string, providerRef: string): Promise<void> {
    const result = await this.database.run((db) => db.updateTable("jobs").set({ provider_ref: providerRef }).where("id", "=", id).executeTakeFirst());
    if (Number(result.numUpdatedRows) !== 1) throw new Error(`job ${id} is not in the database`);
  }

  async progress(id: string, progress: Job["progress"]): Promise<void> {
    await this.database.run((db) => db.updateTable("jobs").set({ progress: json(progress) }).where("id", "=", id).where("status", "=", "running").execute());
  }

  /** A job's terminal status and, in the same transaction, its webhook (if any) into the outbox. */
  async settle(job: Job, outbox: OutboxEntry | undefined): Promise<void> {
    await this.database.run((db) =>
      db.transaction().execute(async (tx) => {
        await tx.updateTable("jobs").set(terminalColumns(job)).where("id", "=", job.id).execute();
        if (outbox) await tx.insertInto("webhook_outbox").values({ job_id: job.id, ...outbox }).execute();
      }),
    );
  }

  /** Insert or update a job's record as another queue (Redis) reports it; no payload is kept. */
  async upsertRecord(job: Job): Promise<void> {
    const terminal = terminalColumns(job);
    await this.database.run((db) =>
      db
        .insertInto("jobs")
        .values({
          id: job.id,
          tenant: job.tenant,
          kind: job.kind,
          created_at: job.createdAt,
          config: JSON.stringify(job.config),
          request_summary: JSON.stringify(job.request),
          webhook: json(job.webhook ? { url: job.webhook.url } : undefined),
          meta: json(job.meta),
          ...terminal,
          webhook_delivery: json(job.webhookDelivery),
        })
        // A settled record is final: a late write of the accepted state never overwrites it.
        .onConflict((oc) =>
          oc
            .column("id")
            .doUpdateSet({ ...terminal, webhook_delivery: json(job.webhookDelivery) })
            .where("jobs.status", "in", ["queued", "running"]),
        )
        .execute(),
    );
  }

  async setWebhookDelivery(id: string, delivery: NonNullable<Job["webhookDelivery"]>): Promise<void> {
    await this.database.run((db) => db.updateTable("jobs").set({ webhook_delivery: json(delivery) }).where("id", "=", id).execute());
  }

  async get(id: string, tenant: string): Promise<Job | undefined> {
    const row = await this.database.run((db) => db.selectFrom("jobs").select(RECORD_COLUMNS).where("id", "=", id).where("tenant", "=", tenant).executeTakeFirst());
    return row ? toJob(row) : undefined;
  }

  /** Delete one finished job of the tenant (and its webhook outbox rows); true when it was deleted. */
  async remove(id: string, tenant: string): Promise<boolean> {
    return this.database.run(async (db) => {
      const deleted = await db.deleteFrom("jobs").where("id", "=", id).where("tenant", "=", tenant).where("finished_at", "is not", null).executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) return false;
      await db.deleteFrom("webhook_outbox").where("job_id", "=", id).execute();
      return true;
    });
  }

  /** A tenant's jobs, newest first; `after` is the id of the last job of the previous page. */
  async list(tenant: string, options: { kind?: JobKind | undefined; limit?: number | undefined; after?: string | undefined } = {}): Promise<Job[]> {
    const limit = Math.max(1, Math.min(options.limit ?? 20, 1000));
    const rows = await this.database.run((db) => {
      let q = db.selectFrom("jobs").select(RECORD_COLUMNS).where("tenant", "=", tenant);
      if (options.kind) q = q.where("kind", "=", options.kind);
      if (options.after) {
        const after = options.after;
        q = q.where("seq", "<", (eb) => eb.selectFrom("jobs").select("seq").where("id", "=", after).where("tenant", "=", tenant));
      }
      return q.orderBy("seq", "desc").limit(limit).execute();
    });
    return rows.map(toJob);
  }

  async counts(): Promise<Record<JobStatus, number>> {
    const rows = await this.database.run((db) => db.selectFrom("jobs").select(["status", (eb) => eb.fn.countAll<string>().as("n")]).groupBy("status").execute());
    const out = Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Record<JobStatus, number>;
    for (const r of rows) out[r.status] = Number(r.n);
    return out;
  }

  /**
   * Unfinished jobs, oldest first, in pages (`afterSeq`), skipping those run by a live queue of this
   * process (tests run several gateways on one database).
   */
  async unfinished(options: { exceptNodes: readonly string[]; limit: number; afterSeq?: number | undefined }): Promise<{ jobs: UnfinishedJob[]; lastSeq: number | undefined }> {
    const rows = await this.database.run((db) => {
      let q = db
        .selectFrom("jobs")
        .select([...RECORD_COLUMNS, "request", "seq", "runs"])
        .where("status", "in", ["queued", "running"]);
      if (options.exceptNodes.length) q = q.where((eb) => eb.or([eb("node_id", "is", null), eb("node_id", "not in", [...options.exceptNodes])]));
      if (options.afterSeq !== undefined) q = q.where("seq", ">", String(options.afterSeq));
      return q.orderBy("seq", "asc").limit(options.limit).execute();
    });
    const jobs = rows.map((row) => ({
      job: toJob(row),
      request: parsed<Record<string, unknown>>(row.request) ?? (JSON.parse(row.request_summary) as Record<string, unknown>),
      runs: row.runs,
    }));
    return { jobs, lastSeq: rows.length ? Number(rows[rows.length - 1]!.seq) : undefined };
  }

  /** Claim a job for this process (a restart taking over the jobs of the process that went away). */
  async claim(id: string, nodeId: string): Promise<void> {
    await this.database.run((db) => db.updateTable("jobs").set({ node_id: nodeId }).where("id", "=", id).execute());
  }

  /**
   * Retention: forget finished jobs older than `finishedBefore`, and beyond the newest `keep` finished
   * ones; delivered or abandoned outbox rows go with the same age. Returns the jobs deleted.
   */
  async sweep(finishedBefore: Date, keep: number): Promise<number> {
    return this.database.run(async (db) => {
      const aged = await db.deleteFrom("jobs").where("finished_at", "<", finishedBefore).executeTakeFirst();
      const extra = await db
        .deleteFrom("jobs")
        .where("finished_at", "is not", null)
        .where("seq", "<=", (eb) =>
          eb
            .selectFrom("jobs")
            .select("seq")
            .where("finished_at", "is not", null)
            .orderBy("seq", "desc")
            .offset(keep)
            .limit(1),
        )
        .executeTakeFirst();
      await db.deleteFrom("webhook_outbox").where("status", "!=", "pending").where("finished_at", "<", finishedBefore).execute();
      return Number(aged.numDeletedRows) + Number(extra.numDeletedRows);
    });
  }

  // ---- Webhook outbox ----------------------------------------------------------------------------

  /**
   * Claim up to `limit` due webhooks: each is leased for `leaseMs` (its next attempt moved past the
   * lease) so another dispatcher on the same database does not send it meanwhile. A process that dies
   * with a lease leaves the row due again when the lease ends: delivery is at least once.
   */
  async claimDue(limit: number, leaseMs: number): Promise<OutboxRow[]> {
    return this.database.run(async (db) => {
      const result = await sql<OutboxRow>`
        UPDATE webhook_outbox SET next_attempt_at = now() + ${`${leaseMs} milliseconds`}::interval
        WHERE id IN (
          SELECT id FROM webhook_outbox WHERE status = 'pending' AND next_attempt_at <= now()
          ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED
        )
        RETURNING *`.execute(db);
      return result.rows;
    });
  }

  async outboxAttempt(
    id: string | number,
    outcome: { status: "pending" | "delivered" | "failed"; attempts: number; lastStatus?: number | undefined; lastError?: string | undefined; nextAttemptInMs?: number | undefined },
  ): Promise<void> {
    await this.database.run((db) =>
      db
        .updateTable("webhook_outbox")
        .set({
          status: outcome.status,
          attempts: outcome.attempts,
          last_status: outcome.lastStatus ?? null,
          last_error: outcome.lastError ?? null,
          next_attempt_at: new Date(Date.now() + (outcome.nextAttemptInMs ?? 0)).toISOString(),
          finished_at: outcome.status === "pending" ? null : new Date().toISOString(),
        })
        .where("id", "=", id as never)
        .execute(),
    );
  }

  /** The earliest pending webhook's due time (the dispatcher sleeps until then, bounded). */
  async nextDue(): Promise<Date | undefined> {
    const row = await this.database.run((db) =>
      db.selectFrom("webhook_outbox").select((eb) => eb.fn.min("next_attempt_at").as("at")).where("status", "=", "pending").executeTakeFirst(),
    );
    return row?.at ? new Date(row.at) : undefined;
  }
}
