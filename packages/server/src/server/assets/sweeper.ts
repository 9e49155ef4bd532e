import type { Logger } from "../../../../../src/core/logger.js";
import type { ListedObject, Storage } from "../storage/storage.js";
import { tenantOfKey } from "../storage/storage.js";
import type { AssetStore } from "./store.js";

export interface SweeperOptions {
  /** Between two runs. */
  intervalMs: number;
  /** Objects younger than this are left alone: their rows may still be on the way (a generation in flight). */
  graceMs: number;
  /** Keys checked against the table per query, and unfinished deletes finished per run. */
  batchSize: number;
  /** Objects looked at per run at most; the next run goes on where this one stopped. */
  maxObjectsPerRun: number;
  /** Delay of the first run after start(). */
  firstRunDelayMs?: number | undefined;
  now?: (() => number) | undefined;
}

export interface SweepReport {
  /** Objects looked at. */
  scanned: number;
  /** Objects removed because no row points at them. */
  removedObjects: number;
  /** Deletes that had been cut short, finished. */
  finishedDeletes: number;
  /** True when the listing reached its end (the next run starts from the beginning). */
  wrapped: boolean;
}

const PREFIX = "customers/";
const STOP_WAIT_MS = 2_000;

/**
 * Removes stored objects under the assets prefix that no asset row points at (a crash between storing
 * an output and writing its row), and finishes deletes that were cut short (row hidden, object or row
 * still there). Runs once shortly after start-up and then every `intervalMs`, each run bounded
 * (`maxObjectsPerRun` objects, `batchSize` keys per query); the listing is resumed across runs, so a
 * large store is covered over several runs instead of in one long one. Objects stored before the asset
 * table existed (migration 3) predate the ledger and are never touched.
 */
export class AssetSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepReport> | undefined;
  private listing: AsyncIterator<ListedObject> | undefined;
  private since: Date | undefined;
  private stopped = false;
  private readonly now: () => number;

  constructor(
    private readonly store: AssetStore,
    private readonly storage: Storage,
    private readonly logger: Logger,
    private readonly options: SweeperOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  start(): void {
    if (this.timer || this.stopped) return;
    const tick = () => {
      void this.runOnce()
        .catch((error: unknown) => this.logger.warn({ error }, "asset sweep failed; the next run tries again"))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, this.options.intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, this.options.firstRunDelayMs ?? 1_000).unref();
  }

  /** One bounded run (a run already under way is joined, never doubled). */
  runOnce(): Promise<SweepReport> {
    this.running ??= this.sweep().finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * Stop: no further runs; a run under way stops at its next object. Shutdown waits for it at most
   * `STOP_WAIT_MS` (a store that does not answer must not hold the process): an unfinished run leaves
   * nothing half done that the next start-up's run does not redo.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const running = this.running;
    if (running) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([running.catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, STOP_WAIT_MS).unref()))]);
      clearTimeout(timer);
    }
    await this.closeListing();
  }

  private async closeListing(): Promise<void> {
    const listing = this.listing;
    this.listing = undefined;
    await listing?.return?.().catch(() => undefined);
  }

  private async sweep(): Promise<SweepReport> {
    const report: SweepReport = { scanned: 0, removedObjects: 0, finishedDeletes: 0, wrapped: false };
    const list = this.storage.list?.bind(this.storage);
    // Nothing has opened the database in this process (an embedding that never generated): nothing to compare with.
    if (!list || !this.store.database.isOpen) return report;
    if (!this.since) {
      const created = await this.store.tableCreatedAt();
      if (!created) return report;
      // Whole seconds, rounded down: S3 reports LastModified to the second.
      this.since = new Date(Math.floor(created.getTime() / 1000) * 1000);
    }
    const since = this.since;
    const cutoff = new Date(this.now() - this.options.graceMs);

    for (const row of await this.store.unfinishedDeletes(cutoff, this.options.batchSize)) {
      if (this.stopped) return report;
      await this.store.finishDelete(row.id, row.storage_key);
      report.finishedDeletes++;
    }

    this.listing ??= list(PREFIX)[Symbol.asyncIterator]();
    const batch: string[] = [];
    try {
      while (report.scanned < this.options.maxObjectsPerRun && !this.stopped) {
        const next = await this.listing.next();
        if (next.done) {
          this.listing = undefined;
          report.wrapped = true;
          break;
        }
        report.scanned++;
        const object = next.value;
        if (tenantOfKey(object.key) === undefined) continue;
        if (object.lastModified >= cutoff || object.lastModified < since) continue;
        batch.push(object.key);
        if (batch.length >= this.options.batchSize) report.removedObjects += await this.removeOrphans(batch.splice(0));
      }
      if (batch.length) report.removedObjects += await this.removeOrphans(batch.splice(0));
    } catch (error) {
      // A listing that failed half way is not resumed: the next run starts it afresh.
      await this.closeListing();
      throw error;
    }
    if (report.removedObjects || report.finishedDeletes) this.logger.info({ ...report }, "asset sweep removed objects without rows");
    return report;
  }

  private async removeOrphans(keys: string[]): Promise<number> {
    const known = await this.store.knownKeys(keys);
    let removed = 0;
    for (const key of keys) {
      if (known.has(key) || this.store.isPending(key) || this.stopped) continue;
      await this.storage.delete(key);
      removed++;
    }
    return removed;
  }
}
