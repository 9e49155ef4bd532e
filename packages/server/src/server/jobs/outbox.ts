import type { Logger } from "../../../../../src/core/logger.js";
import { DatabaseUnavailableError } from "../db/handle.js";
import type { Job } from "./queue.js";
import type { JobStore, OutboxRow } from "./store.js";
import { type WebhookOptions, attemptWebhook, refuseWebhookUrl, webhookBackoffMs } from "./webhook.js";

export interface WebhookDispatcherOptions extends WebhookOptions {
  /** Rows claimed and delivered at once (default 16). */
  batchSize?: number | undefined;
  /** Longest sleep between looks at the outbox when nothing is due (default 5 s). */
  idleMs?: number | undefined;
  /** Each attempt's outcome, for the job's record (attempts, delivered). */
  onDelivery?: ((jobId: string, delivery: NonNullable<Job["webhookDelivery"]>) => void) | undefined;
}

/**
 * Delivers webhooks from the outbox table, at least once: a row is claimed (leased), POSTed with the
 * job's signature, and marked delivered only after a 2xx; a failure is retried with exponential
 * backoff up to `maxAttempts`, then marked failed. A process that dies mid-delivery leaves the row to be
 * sent again once its lease ends, by whichever gateway on that database looks next (after a restart:
 * this one, at start-up).
 */
export class WebhookDispatcher {
  private readonly batchSize: number;
  private readonly idleMs: number;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private lastWarnAt = 0;

  constructor(
    private readonly store: JobStore,
    private readonly options: WebhookDispatcherOptions,
    private readonly logger: Logger,
  ) {
    this.batchSize = options.batchSize ?? 16;
    this.idleMs = options.idleMs ?? 5_000;
  }

  /** A row's lease: one attempt's timeout plus a margin. */
  private get leaseMs(): number {
    return this.options.timeoutMs + 5_000;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Something was queued: look now rather than at the next idle tick. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let handled = 0;
      try {
        handled = await this.deliverDue();
      } catch (error) {
        this.warn(error);
      }
      if (this.stopped) return;
      if (handled >= this.batchSize) continue;
      await this.idle();
    }
  }

  /** Sleep until the next row is due, a wake-up, or the idle bound. */
  private async idle(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return;
    }
    let wait = this.idleMs;
    try {
      const next = await this.store.nextDue();
      if (next) wait = Math.max(0, Math.min(wait, next.getTime() - Date.now()));
    } catch (error) {
      this.warn(error);
    }
    if (wait === 0 || this.stopped) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, wait);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    });
    this.wakeUp = undefined;
    this.woken = false;
  }

  /** Claim and deliver one batch of due rows; resolves with how many there were. */
  async deliverDue(): Promise<number> {
    const rows = await this.store.claimDue(this.batchSize, this.leaseMs);
    await Promise.all(rows.map((row) => this.deliver(row)));
    return rows.length;
  }

  private async deliver(row: OutboxRow): Promise<void> {
    const attempt = row.attempts + 1;
    const secret = row.secret ?? this.options.defaultSecret;
    const refused = refuseWebhookUrl(row.url, this.options.policy) ?? (secret ? undefined : "no webhook secret (webhooks.secret)");
    const outcome = refused
      ? { delivered: false, retry: false, refused: true, error: refused, status: undefined }
      : await attemptWebhook({ url: row.url, secret: secret!, body: row.body, event: row.event, jobId: row.job_id, attempt }, this.options, this.abort.signal);
    const giveUp = !outcome.delivered && (!outcome.retry || attempt >= this.options.maxAttempts);
    const status = outcome.delivered ? "delivered" : giveUp ? "failed" : "pending";
    if (giveUp) this.logger.warn({ jobId: row.job_id, attempts: attempt, lastError: outcome.error }, "webhook delivery gave up");
    const delivery = { attempts: attempt, delivered: outcome.delivered, lastStatus: outcome.status ?? row.last_status ?? undefined, lastError: outcome.delivered ? undefined : outcome.error };
    this.options.onDelivery?.(row.job_id, delivery);
    try {
      await this.store.outboxAttempt(row.id, {
        status,
        attempts: attempt,
        lastStatus: delivery.lastStatus,
        lastError: delivery.lastError,
        nextAttemptInMs: status === "pending" ? webhookBackoffMs(this.options.initialBackoffMs, attempt) : 0,
      });
      await this.store.setWebhookDelivery(row.job_id, delivery);
    } catch (error) {
      // The row stays leased and comes due again when the lease ends: sent once more at worst.
      this.warn(error);
    }
  }

  private warn(error: unknown): void {
    if (this.stopped && error instanceof DatabaseUnavailableError) return;
    const now = Date.now();
    if (now - this.lastWarnAt < 60_000) return;
    this.lastWarnAt = now;
    this.logger.warn({ error: (error as Error).message }, "webhook outbox: cannot read or update the outbox now; retrying");
  }

  /**
   * Stop: deliver what is due now (the webhooks of jobs settled during shutdown) until `timeoutMs`,
   * then abort deliveries in flight. Rows left pending are delivered after the next start.
   */
  async close(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
    const timer = setTimeout(() => this.abort.abort(), Math.max(0, deadline - Date.now())).unref();
    try {
      // A row that fails here is rescheduled after its backoff, so it is not due again in this loop.
      while (Date.now() < deadline && !this.abort.signal.aborted) {
        const rows = await this.store.claimDue(this.batchSize, this.leaseMs);
        if (rows.length === 0) break;
        await Promise.all(rows.map((row) => this.deliver(row)));
      }
    } catch (error) {
      this.warn(error);
    } finally {
      clearTimeout(timer);
      this.abort.abort();
    }
  }
}
