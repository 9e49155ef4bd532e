import type { Insertable } from "kysely";
import type { Logger } from "../../../../../src/core/logger.js";
import { type DatabaseHandle, DatabaseUnavailableError } from "../db/handle.js";
import type { UsageEventsTable } from "../db/schema.js";
import type { Metrics } from "../metrics.js";

/** One row of the ledger as recorded: `created_at` is when the attempt ended (ISO), not when it was written. */
export type UsageEvent = Omit<Insertable<UsageEventsTable>, "id"> & { created_at: string };

export interface UsageLedgerOptions {
  /** Events held in memory at most; beyond it new events are dropped and counted. */
  maxBuffered?: number | undefined;
  /** Rows per INSERT. */
  batchSize?: number | undefined;
  /** How long an event waits before it is written (events batch up meanwhile). */
  flushIntervalMs?: number | undefined;
  /** After a failed write (database down), the next try waits this long. */
  retryIntervalMs?: number | undefined;
}

/**
 * The usage ledger's writer: a request records its attempts here and goes on; rows are written in
 * batches off the request path. The buffer is bounded: when the database is slow or down and it fills,
 * new events are dropped and counted (`tarash_usage_events_dropped_total`), never the request.
 * `close()` writes what is left (within a timeout).
 */
export class UsageLedger {
  private readonly buffer: UsageEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private readonly maxBuffered: number;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly retryIntervalMs: number;
  private lastWarnAt = 0;
  private closed = false;

  constructor(
    private readonly database: DatabaseHandle,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    options: UsageLedgerOptions = {},
  ) {
    this.maxBuffered = options.maxBuffered ?? 10_000;
    this.batchSize = options.batchSize ?? 500;
    this.flushIntervalMs = options.flushIntervalMs ?? 1_000;
    this.retryIntervalMs = options.retryIntervalMs ?? 5_000;
  }

  /** Events waiting to be written. */
  get pending(): number {
    return this.buffer.length;
  }

  record(events: readonly UsageEvent[]): void {
    if (this.closed) {
      // A job settling after shutdown began: nothing will write it any more.
      if (events.length) this.metrics.usageDropped.inc({ reason: "shutdown" }, events.length);
      return;
    }
    for (const event of events) {
      if (this.buffer.length >= this.maxBuffered) {
        this.metrics.usageDropped.inc({ reason: "buffer_full" });
        continue;
      }
      this.buffer.push(event);
    }
    this.schedule(this.flushIntervalMs);
  }

  private schedule(delayMs: number): void {
    if (this.timer || this.buffer.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, delayMs);
    // A pending write must not keep a finished process alive; close() writes what is left.
    this.timer.unref();
  }

  /**
   * Write every buffered event now (one writer at a time). Resolves when the buffer is written or the
   * database refused it (the events stay buffered for the next try); never rejects.
   */
  flush(): Promise<void> {
    const run = async (): Promise<void> => {
      while (this.buffer.length > 0) {
        const batch = this.buffer.slice(0, this.batchSize);
        try {
          await this.database.run((db) => db.insertInto("usage_events").values(batch).execute());
          this.buffer.splice(0, batch.length);
        } catch (error) {
          if (error instanceof DatabaseUnavailableError) {
            // Kept for the next try; the buffer bound still holds (record() drops beyond it).
            if (Date.now() - this.lastWarnAt > 60_000) {
              this.lastWarnAt = Date.now();
              this.logger.warn({ pending: this.buffer.length, error: error.message }, "usage events not written yet: the database is unavailable");
            }
            if (this.timer) clearTimeout(this.timer);
            this.timer = undefined;
            this.schedule(this.retryIntervalMs);
            return;
          }
          // A row the database will never take (a bug): drop this batch, counted, so the rest can go.
          this.buffer.splice(0, batch.length);
          this.metrics.usageDropped.inc({ reason: "write_failed" }, batch.length);
          this.logger.error({ error, rows: batch.length }, "usage events could not be written");
        }
      }
    };
    const previous = this.writing ?? Promise.resolve();
    const next = previous.then(run);
    this.writing = next;
    void next.finally(() => {
      if (this.writing === next) this.writing = undefined;
    });
    return next;
  }

  /** Write what is left, waiting at most `timeoutMs`; events still unwritten then are counted as dropped. */
  async close(timeoutMs: number): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length === 0 && !this.writing) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.buffer.length > 0) {
      this.metrics.usageDropped.inc({ reason: "shutdown" }, this.buffer.length);
      this.logger.warn({ dropped: this.buffer.length }, "usage events not written before shutdown");
      this.buffer.length = 0;
    }
  }
}
