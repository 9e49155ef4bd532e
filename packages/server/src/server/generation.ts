import type { Gateway } from "../../../../src/core/gateway.js";
import { TarashError } from "../../../../src/core/errors.js";
import type { Logger } from "../../../../src/core/logger.js";
import { openDownload } from "../../../../src/core/media/download.js";
import type { NetworkPolicy } from "../../../../src/core/media/ssrf.js";
import type {
  GenerateOptions,
  GenerationConfigInput,
  ImageGenerationRequest,
  ImageGenerationResponse,
  MediaKind,
  VideoGenerationRequest,
  VideoGenerationResponse,
} from "../../../../src/core/types.js";
import { ApiError } from "./errors.js";
import type { Metrics } from "./metrics.js";
import { type OutputScope, withOutputScope } from "./storage/output.js";
import { failureEvents, successEvents } from "./usage/events.js";
import type { UsageLedger } from "./usage/ledger.js";
import type { BudgetGuard } from "./usage/budgets.js";
import { type Storage, assetKey } from "./storage/storage.js";
import { fetchAsDataUrl } from "./storage/inline.js";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../../../../src/core/body-limit.js";
import { assetRows } from "./assets/record.js";
import type { AssetStore } from "./assets/store.js";
import { DatabaseUnavailableError } from "./db/handle.js";

/** One stored output of a generation: where it lives, so its URL can be re-signed later. */
export interface StoredOutput {
  key: string;
  kind: MediaKind;
  mediaType: string;
  size: number;
}

export interface GenerationTarget {
  tenant: string;
  /** Return data URLs (nothing stored). */
  inline?: boolean | undefined;
  /** For the usage ledger: the caller's API key id and the configured route the request named. */
  keyId?: string | undefined;
  route?: string | undefined;
  /** The job this generation runs for (recorded with its assets). */
  jobId?: string | undefined;
  /** The asset rows must be written now (`save_to_db: true`): with the database down the request fails (503). */
  requireAssetRows?: boolean | undefined;
  /** Settings recorded with the assets instead of the library request's (the storage-backend route's own). */
  assetSettings?: Record<string, unknown> | undefined;
}

export interface Generated<R> {
  response: R;
  /** Aligned with the response's images/videos; undefined where the output is not in storage (inline). */
  outputs: (StoredOutput | undefined)[];
}

/**
 * Runs generations through the library for one tenant, puts the outputs into storage (provider URLs
 * too: they expire, ours are signed and re-signable), and records latency and provider errors.
 */
export class Generator {
  constructor(
    private readonly gateway: Gateway,
    private readonly storage: Storage,
    private readonly metrics: Metrics,
    private readonly network: NetworkPolicy & { maxDownloadBytes?: number | undefined; maxResponseBytes?: number | undefined },
    private readonly logger: Logger,
    /** Where every attempt is recorded (absent: not recorded, e.g. a worker without a shared database). */
    private readonly ledger?: UsageLedger | undefined,
    /** Budgets checked (and the estimate reserved) before any provider call. */
    private readonly budgets?: BudgetGuard | undefined,
    /** Where stored outputs are recorded as assets (absent: not recorded, as for the ledger). */
    private readonly assets?: AssetStore | undefined,
  ) {}

  image(
    target: GenerationTarget,
    config: GenerationConfigInput,
    request: ImageGenerationRequest,
    options: GenerateOptions = {},
  ): Promise<Generated<ImageGenerationResponse>> {
    return this.run("image", target, config, request, this.estimate(config, request, "image"), undefined, async (scope) => {
      const response = await this.gateway.generateImage(config, request, options);
      const outputs = await this.persist(scope, response.images, "image", options.signal);
      return { response, outputs };
    });
  }

  video(
    target: GenerationTarget,
    config: GenerationConfigInput,
    request: VideoGenerationRequest,
    options: GenerateOptions = {},
  ): Promise<Generated<VideoGenerationResponse>> {
    return this.run("video", target, config, request, this.estimate(config, request, "video"), request.durationSeconds, async (scope) => {
      const response = await this.gateway.generateVideo(config, request, options);
      const outputs = await this.persist(scope, response.videos, "video", options.signal);
      response.video = response.videos[0]!;
      return { response, outputs };
    });
  }

  /**
   * Finish a video job whose provider job was submitted before a restart (`providerRef` from
   * onSubmitted): polled to the end, never submitted again. No budget check: the provider job already
   * runs (and bills); refusing it now would only lose its result.
   */
  resumeVideo(
    target: GenerationTarget,
    config: GenerationConfigInput,
    request: VideoGenerationRequest,
    providerRef: string,
    options: GenerateOptions = {},
  ): Promise<Generated<VideoGenerationResponse>> {
    return this.runReserved("video", target, config, request.durationSeconds, async (scope) => {
      const response = await this.gateway.resumeVideo(config, request, providerRef, options);
      const outputs = await this.persist(scope, response.videos, "video", options.signal);
      response.video = response.videos[0]!;
      return { response, outputs };
    });
  }

  private async run<R extends ImageGenerationResponse | VideoGenerationResponse>(
    kind: MediaKind,
    target: GenerationTarget,
    config: GenerationConfigInput,
    request: ImageGenerationRequest | VideoGenerationRequest,
    estimateUsd: () => number,
    requestedSeconds: number | undefined,
    fn: (scope: OutputScope) => Promise<Generated<R>>,
  ): Promise<Generated<R>> {
    const release = this.budgets ? await this.budgets.reserve(target, estimateUsd) : undefined;
    try {
      const out = await this.runReserved(kind, target, config, requestedSeconds, fn);
      await this.recordAssets(kind, target, request, out);
      return out;
    } finally {
      // The attempts are in the ledger by now: the reservation gives way to the recorded cost.
      release?.();
    }
  }

  /** The estimate a budget reserves: the primary target's catalog price (0 for mock calls and unknown prices). */
  private estimate(config: GenerationConfigInput, request: ImageGenerationRequest | VideoGenerationRequest, kind: MediaKind): () => number {
    return () => {
      if (config.mock && config.mock.enabled !== false) return 0;
      try {
        const cost =
          kind === "image"
            ? this.gateway.estimateCost(config, request as ImageGenerationRequest)
            : this.gateway.estimateCost(config, request as VideoGenerationRequest, "video");
        return cost?.amountUsd ?? 0;
      } catch {
        // The request is validated by the call itself; an estimate that cannot be made reserves nothing.
        return 0;
      }
    };
  }

  private async runReserved<R extends ImageGenerationResponse | VideoGenerationResponse>(
    kind: MediaKind,
    target: GenerationTarget,
    config: GenerationConfigInput,
    requestedSeconds: number | undefined,
    fn: (scope: OutputScope) => Promise<Generated<R>>,
  ): Promise<Generated<R>> {
    const started = performance.now();
    let scope: OutputScope | undefined;
    try {
      const out = await withOutputScope(target, (s) => fn((scope = s)));
      this.observe(kind, out.response.provider, out.response.model, "success", started);
      if (out.response.isMock) this.metrics.mockGenerations.inc({ kind });
      this.recordSuccess(kind, target, config, out.response, requestedSeconds);
      for (const a of out.response.executionMetadata.attempts) {
        if (a.status === "failed") this.metrics.providerErrors.inc({ provider: a.provider, error: a.errorType ?? "unknown" });
      }
      return out;
    } catch (error) {
      // A generation that fails after some outputs were stored (a later output, a fallback's) leaves nothing behind.
      await this.discardObjects(scope?.saved ?? []);
      const e = error instanceof TarashError ? error : undefined;
      this.observe(kind, e?.provider ?? "unknown", e?.model ?? "unknown", e?.name === "CancelledError" ? "cancelled" : "error", started);
      this.ledger?.record(failureEvents(kind, target, config, e));
      for (const a of e?.executionMetadata?.attempts ?? []) {
        if (a.status === "failed") this.metrics.providerErrors.inc({ provider: a.provider, error: a.errorType ?? "unknown" });
      }
      throw error;
    }
  }

  /**
   * The asset rows of the stored outputs, written after the objects (a crash in between leaves objects
   * without rows, which the sweeper removes; never a row without its object). With the database down the
   * rows wait in a bounded queue and are written when it is back; where the row is what the caller asked
   * for (`save_to_db: true`), or the queue is full, the objects go too and the request fails: 503 with
   * Retry-After. A row the database refuses (a bug) fails the request the same way.
   */
  private async recordAssets(
    kind: MediaKind,
    target: GenerationTarget,
    request: ImageGenerationRequest | VideoGenerationRequest,
    out: Generated<ImageGenerationResponse | VideoGenerationResponse>,
  ): Promise<void> {
    if (!this.assets) return;
    const owner = { tenant: target.tenant, keyId: target.keyId, jobId: target.jobId, settings: target.assetSettings };
    const rows = assetRows(kind, owner, request as Record<string, unknown>, out.response, out.outputs);
    if (rows.length === 0) return;
    try {
      await this.assets.insert(rows);
    } catch (error) {
      // A generation does not need the database (as for the usage ledger): the rows wait for it, unless
      // the caller asked for the row itself (save_to_db) or the wait is full.
      if (error instanceof DatabaseUnavailableError && !target.requireAssetRows && this.assets.queue(rows)) {
        this.logger.warn({ rows: rows.length }, "the database is unavailable: asset rows wait for it");
        return;
      }
      await this.discardObjects(out.outputs);
      if (error instanceof DatabaseUnavailableError) {
        throw new ApiError(503, "the gateway's database is unavailable, so the generated media could not be recorded; retry shortly", {
          type: "api_error",
          code: "database_unavailable",
          headers: { "Retry-After": String(error.retryAfterSeconds) },
        });
      }
      throw error;
    }
  }

  /**
   * Delete stored outputs of a request that failed after storing them (its caller never gets their
   * URLs), asset rows included. Best effort: a delete that fails is logged, the request's own error is
   * what the client sees (an object left behind without a row is the sweeper's).
   */
  async discard(outputs: readonly (Pick<StoredOutput, "key"> | undefined)[]): Promise<void> {
    if (!this.assets) return this.discardObjects(outputs);
    const keys = outputs.filter((o): o is Pick<StoredOutput, "key"> => o !== undefined).map((o) => o.key);
    try {
      await this.assets.discard(keys);
    } catch (error) {
      this.logger.warn({ keys, error }, "could not delete the assets of a failed request");
    }
  }

  /** Delete objects that have no asset rows (yet). */
  private async discardObjects(outputs: readonly (Pick<StoredOutput, "key"> | undefined)[]): Promise<void> {
    await Promise.all(
      outputs.map(async (out) => {
        if (!out) return;
        try {
          await this.storage.delete(out.key);
        } catch (error) {
          this.logger.warn({ key: out.key, error }, "could not delete the output of a failed request");
        }
      }),
    );
  }

  /** Ledger rows for every attempt, and the spend counter for what the successful one cost. */
  private recordSuccess(
    kind: MediaKind,
    target: GenerationTarget,
    config: GenerationConfigInput,
    response: ImageGenerationResponse | VideoGenerationResponse,
    requestedSeconds: number | undefined,
  ): void {
    this.ledger?.record(successEvents(kind, target, config, response, requestedSeconds));
    const usd = response.cost?.amountUsd ?? 0;
    if (!response.isMock && response.provider !== "mock" && usd > 0) this.metrics.spend.inc({ provider: response.provider, route: target.route ?? "none" }, usd);
  }

  private observe(kind: MediaKind, provider: string, model: string, outcome: string, started: number): void {
    this.metrics.generationDuration.observe({ kind, provider, model, outcome }, (performance.now() - started) / 1000);
  }

  /**
   * Align stored keys with outputs, and stream outputs that are still provider URLs into storage so the
   * response never hands out a provider URL that expires (or needs the provider's key).
   */
  private async persist(
    scope: OutputScope,
    items: { url: string; mediaType: string }[],
    kind: MediaKind,
    signal: AbortSignal | undefined,
  ): Promise<(StoredOutput | undefined)[]> {
    const outputs: (StoredOutput | undefined)[] = [];
    for (const [index, item] of items.entries()) {
      if (scope.inline && /^https?:/i.test(item.url)) {
        // Nothing stored was asked for, and a provider URL expires: the caller gets the bytes themselves.
        const inline = await fetchAsDataUrl(item.url, item.mediaType || "application/octet-stream", {
          policy: this.network,
          maxBytes: this.network.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
          signal,
          field: `${kind} output ${index + 1}`,
        });
        item.url = inline.url;
        item.mediaType = inline.mediaType;
        outputs.push(undefined);
        continue;
      }
      if (scope.inline || !/^https?:/i.test(item.url)) {
        outputs.push(undefined);
        continue;
      }
      const ours = scope.saved.find((s) => s.url === item.url);
      if (ours) {
        outputs.push({ key: ours.key, kind: ours.kind, mediaType: ours.mediaType, size: ours.size });
        continue;
      }
      const opened = await openDownload(item.url, {
        policy: this.network,
        maxBytes: this.network.maxDownloadBytes,
        signal,
        field: `${kind} output`,
        source: "provider",
      });
      const mediaType = item.mediaType || opened.contentType || "application/octet-stream";
      const key = assetKey(scope.tenant, kind, mediaType);
      let size: number;
      try {
        ({ size } = await this.storage.put(key, opened.body, { mediaType }));
        item.url = await this.storage.url(key);
      } catch (error) {
        if (error instanceof TarashError) throw error;
        this.logger.error({ key, error }, "storing a generated output failed");
        throw new ApiError(502, "storing the generated output failed", { type: "api_error", code: "storage_error" });
      }
      outputs.push({ key, kind, mediaType, size });
      scope.saved.push({ key, kind, mediaType, size, url: item.url });
      this.logger.debug({ key, kind }, "stored a provider URL output");
    }
    return outputs;
  }
}
