import { resolveModelWith, type ResolvedModel } from "./aliases.js";
import type { ModelCapability } from "./capabilities.js";
import { asOf } from "./lifecycle.js";
import { estimateImageCost, estimateVideoCost } from "./cost.js";
import { createCore, type GatewayCore, type GatewayOptions } from "./gateway-core.js";
import { preloadTransport } from "./transport/select.js";
import { generateImageWith } from "./generate-image.js";
import {
  type SubmittedVideo,
  type VideoStatus,
  cancelVideoWith,
  generateVideoWith,
  getVideoStatusWith,
  resumeVideoWith,
  submitVideoWith,
} from "./generate-video.js";
import { parseConfig, prepare } from "./orchestrator.js";
import { type DownloadMediaOptions, type SavedMedia, downloadMediaWith } from "./download-media.js";
import type { ProviderDefinition } from "./provider.js";
import { Registry } from "./registry.js";
import type {
  Cost,
  GenerateOptions,
  ImageGenerationConfig,
  ImageGenerationRequest,
  ImageGenerationResponse,
  MediaKind,
  NormalizedImageRequest,
  NormalizedVideoRequest,
  VideoGenerationConfig,
  VideoGenerationRequest,
  VideoGenerationResponse,
} from "./types.js";
import { parseImageRequest, parseVideoRequest } from "./validate.js";
import { ALIAS_RULES, BUILTIN_PROVIDERS, DEFAULT_MODELS, KNOWN_PROVIDER_IDS } from "../providers/index.js";

export interface ValidatedRequest<R> {
  request: R;
  warnings: string[];
  provider: string;
  model: string;
  capability: ModelCapability | undefined;
}

/** An isolated instance: its own registry layer, defaults, keys, storage and logger. */
export interface Gateway {
  generateImage(config: ImageGenerationConfig, request: ImageGenerationRequest, options?: GenerateOptions): Promise<ImageGenerationResponse>;
  generateVideo(config: VideoGenerationConfig, request: VideoGenerationRequest, options?: GenerateOptions): Promise<VideoGenerationResponse>;
  /**
   * Finish a `generateVideo` call from the provider job its `onSubmitted` reported (`jobId`), after the
   * process that started it went away: polls that job to the end, submits nothing.
   */
  resumeVideo(config: VideoGenerationConfig, request: VideoGenerationRequest, jobId: string, options?: GenerateOptions): Promise<VideoGenerationResponse>;
  submitVideo(config: VideoGenerationConfig, request: VideoGenerationRequest, options?: Pick<GenerateOptions, "signal">): Promise<SubmittedVideo>;
  getVideoStatus(jobId: string, config?: VideoGenerationConfig): Promise<VideoStatus>;
  cancelVideo(jobId: string, config?: VideoGenerationConfig): Promise<void>;
  registerProvider(definition: ProviderDefinition): void;
  registerModel(capability: ModelCapability): void;
  listModels(filter?: { provider?: string; kind?: MediaKind }): ModelCapability[];
  getModelCapabilities(model: string, provider?: string): ModelCapability | undefined;
  validateRequest(config: ImageGenerationConfig, request: ImageGenerationRequest, kind?: "image"): ValidatedRequest<NormalizedImageRequest>;
  validateRequest(config: VideoGenerationConfig, request: VideoGenerationRequest, kind: "video"): ValidatedRequest<NormalizedVideoRequest>;
  resolveModel(model: string | undefined, options?: { provider?: string; kind?: MediaKind }): ResolvedModel;
  estimateCost(config: ImageGenerationConfig, request: ImageGenerationRequest, kind?: "image"): Cost | undefined;
  estimateCost(config: VideoGenerationConfig, request: VideoGenerationRequest, kind: "video"): Cost | undefined;
  /** Stream every output of a response to files or streams (with the provider key when an output needs it). */
  downloadMedia(response: ImageGenerationResponse | VideoGenerationResponse, options: DownloadMediaOptions): Promise<SavedMedia[]>;
  /** Provider ids this gateway knows. */
  providers(): string[];
}

const globalRegistry = new Registry();
for (const provider of BUILTIN_PROVIDERS) globalRegistry.registerProvider(provider);

function buildGateway(core: GatewayCore, registry: Registry): Gateway {
  const resolve = (model: string | undefined, options: { provider?: string | undefined; kind?: MediaKind | undefined } = {}) =>
    resolveModelWith(model, {
      provider: options.provider,
      kind: options.kind,
      registry,
      rules: core.rules,
      knownProviders: core.knownProviders,
      userAliases: core.options.aliases,
      defaults: core.defaults,
    });

  function validate(config: ImageGenerationConfig | VideoGenerationConfig, request: ImageGenerationRequest | VideoGenerationRequest, kind: MediaKind = "image") {
    const cfg = parseConfig(config);
    const parsed = kind === "image" ? parseImageRequest(request) : parseVideoRequest(request);
    const call = prepare(core, cfg, parsed, kind);
    return { request: call.request, warnings: call.warnings, provider: call.provider, model: call.model, capability: call.capability };
  }

  const gateway: Gateway = {
    generateImage: (config, request, options) => generateImageWith(core, config, request, options),
    generateVideo: (config, request, options) => generateVideoWith(core, config, request, options),
    resumeVideo: (config, request, jobId, options) => resumeVideoWith(core, config, request, jobId, options),
    submitVideo: (config, request, options) => submitVideoWith(core, config, request, options),
    getVideoStatus: (jobId, config) => getVideoStatusWith(core, jobId, config),
    cancelVideo: (jobId, config) => cancelVideoWith(core, jobId, config),
    registerProvider: (definition) => registry.registerProvider(definition),
    registerModel: (capability) => registry.registerModel(capability),
    // Entries carry their status as of the gateway's clock (a passed shutdown day reads "retired").
    listModels: (filter) => registry.listModels(filter).map((m) => asOf(m, core.now())),
    getModelCapabilities(model, provider) {
      const resolved = resolve(model, { provider });
      const cap = registry.getModel(resolved.provider, resolved.model) ?? registry.getModel(resolved.provider, model);
      return cap && asOf(cap, core.now());
    },
    validateRequest: validate as Gateway["validateRequest"],
    resolveModel: (model, options) => resolve(model, options),
    estimateCost: ((config: ImageGenerationConfig, request: ImageGenerationRequest, kind: MediaKind = "image") => {
      const v = validate(config, request, kind);
      return kind === "image"
        ? estimateImageCost(v.capability, v.request as NormalizedImageRequest)
        : estimateVideoCost(v.capability, v.request as NormalizedVideoRequest);
    }) as Gateway["estimateCost"],
    downloadMedia: (response, options) => downloadMediaWith(core, response, options),
    providers: () => registry.providerIds(),
  };
  return gateway;
}

const routing = { rules: ALIAS_RULES, knownProviders: KNOWN_PROVIDER_IDS, defaults: DEFAULT_MODELS };

export function createGateway(options: GatewayOptions = {}): Gateway {
  const registry = new Registry(globalRegistry);
  preloadTransport(options.fetch);
  return buildGateway(createCore(registry, options, routing), registry);
}

/** The gateway behind the top-level functions; registrations on it are global. */
export const defaultGateway: Gateway = buildGateway(createCore(globalRegistry, {}, routing), globalRegistry);
