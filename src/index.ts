/**
 * tarash-gateway: one API for AI image and video generation across providers.
 * The top-level functions use a default gateway; `createGateway()` makes isolated instances.
 */
import { defaultGateway } from "./core/gateway.js";

export const generateImage = defaultGateway.generateImage;
export const generateVideo = defaultGateway.generateVideo;
export const submitVideo = defaultGateway.submitVideo;
export const getVideoStatus = defaultGateway.getVideoStatus;
export const cancelVideo = defaultGateway.cancelVideo;
export const registerProvider = defaultGateway.registerProvider;
export const registerModel = defaultGateway.registerModel;
export const listModels = defaultGateway.listModels;
export const getModelCapabilities = defaultGateway.getModelCapabilities;
export const validateRequest = defaultGateway.validateRequest;
export const resolveModel = defaultGateway.resolveModel;
export const estimateCost = defaultGateway.estimateCost;
export const downloadMedia = defaultGateway.downloadMedia;

export { createGateway, type Gateway, type ValidatedRequest } from "./core/gateway.js";
export type { GatewayOptions, OutputStorage, ProviderSettings } from "./core/gateway-core.js";
export {
  TarashError,
  ValidationError,
  ContentModerationError,
  AuthenticationError,
  RateLimitError,
  HTTPError,
  HTTPConnectionError,
  TimeoutError,
  GenerationFailedError,
  CancelledError,
  StorageError,
  isRetryableError,
  type ValidationIssue,
} from "./core/errors.js";
export type { ModelCapability, PriceBasis, PriceRates, InputImageTokenRule, ModelInputs, SizeConstraints } from "./core/capabilities.js";
export type { ProviderDefinition, ProviderAdapter, AdapterContext, ProgressReport, VideoJobState } from "./core/provider.js";
export type { SubmittedVideo, VideoStatus } from "./core/generate-video.js";
export type { DownloadMediaOptions, SavedMedia } from "./core/download-media.js";
export type { ResolvedModel } from "./core/aliases.js";
export type { Logger, LogLevel } from "./core/logger.js";
export type { NetworkPolicy } from "./core/media/ssrf.js";
export type * from "./core/types.js";
