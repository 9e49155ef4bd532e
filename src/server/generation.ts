import type { Gateway } from "../core/gateway.js";
import { TarashError } from "../core/errors.js";
import type { Logger } from "../core/logger.js";
import { openDownload } from "../core/media/download.js";
import type { NetworkPolicy } from "../core/media/ssrf.js";
import type {
  GenerateOptions,
  GenerationConfigInput,
  ImageGenerationRequest,
  ImageGenerationResponse,
  MediaKind,
  VideoGenerationRequest,
  VideoGenerationResponse,
} from "../core/types.js";
import { ApiError } from "./errors.js";
import type { Metrics } from "./metrics.js";
import { type OutputScope, withOutputScope } from "./storage/output.js";
import { failureEvents, successEvents } from "./usage/events.js";
import type { UsageLedger } from "./usage/ledger.js";
import type { BudgetGuard } from "./usage/budgets.js";
import { type Storage, assetKey } from "./storage/storage.js";

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
    private readonly network: NetworkPolicy & { maxDownloadBytes?: number | undefined },
    private readonly logger: Logger,
    /** Where every attempt is recorded (absent: not recorded, e.g. a worker without a shared database). */
    private readonly ledger?: UsageLedger | undefined,
    /** Budgets checked (and the estimate reserved) before any provider call. */
    private readonly budgets?: BudgetGuard | undefined,
  ) {}

  image(
    target: GenerationTarget,
    config: GenerationConfigInput,
    request: ImageGenerationRequest,
    options: GenerateOptions = {},
  ): Promise<Generated<ImageGenerationResponse>> {
    return this.run("image", target, config, this.estimate(config, request, "image"), undefined, async (scope) => {
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
    return this.run("video", target, config, this.estimate(config, request, "video"), request.durationSeconds, async (scope) => {
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
    estimateUsd: () => number,
    requestedSeconds: number | undefined,
    fn: (scope: OutputScope) => Promise<Generated<R>>,
  ): Promise<Generated<R>> {
    const release = this.budgets ? await this.budgets.reserve(target, estimateUsd) : undefined;
    try {
      return await this.runReserved(kind, target, config, requestedSeconds, fn);
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
      await this.discard(scope?.saved ?? []);
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
   * Delete stored outputs of a request that failed after storing them (its caller never gets their
   * URLs). Best effort: a delete that fails is logged, the request's own error is what the client sees.
   */
  async discard(outputs: readonly (Pick<StoredOutput, "key"> | undefined)[]): Promise<void> {
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
    for (const item of items) {
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
