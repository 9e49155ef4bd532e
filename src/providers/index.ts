import type { AliasRule, ResolvedModel } from "../core/aliases.js";
import type { ProviderDefinition } from "../core/provider.js";
import type { MediaKind } from "../core/types.js";
import { mockProvider } from "./mock/index.js";
import { openaiProvider } from "./openai/index.js";
import { azureOpenAIProvider } from "./azure-openai/index.js";
import { alibabaProvider } from "./alibaba/index.js";
import { lumaProvider } from "./luma/index.js";
import { googleProvider } from "./google/index.js";
import { replicateProvider } from "./replicate/index.js";
import { stabilityProvider } from "./stability/index.js";
import { bflProvider } from "./bfl/index.js";
import { xaiProvider } from "./xai/index.js";
import { falProvider } from "./fal/index.js";
import { runwayProvider } from "./runway/index.js";

/** Built-in providers. Each definition is data plus a lazy `load()`; adapter code loads on first use. */
export const BUILTIN_PROVIDERS: readonly ProviderDefinition[] = [mockProvider, openaiProvider, azureOpenAIProvider, googleProvider, replicateProvider, alibabaProvider, lumaProvider, stabilityProvider, xaiProvider, bflProvider, falProvider, runwayProvider];

/** Every provider id a `provider/model` string may name (PRODUCT.md §2). */
export const KNOWN_PROVIDER_IDS: readonly string[] = [
  "openai",
  "azure-openai",
  "xai",
  "fal",
  "replicate",
  "google",
  "stability",
  "bfl",
  "alibaba",
  "runway",
  "luma",
  "mock",
];

/** Model-name patterns → provider, tried after exact catalog matches. */
export const ALIAS_RULES: readonly AliasRule[] = [
  // A bare family name means that provider's current default model (which moves as models retire).
  { pattern: /^dall-e$/i, provider: "openai", defaultModel: true },
  { pattern: /^(gemini|imagen)$/i, provider: "google", defaultModel: true },
  { pattern: /^grok$/i, provider: "xai", defaultModel: true },
  { pattern: /^flux$/i, provider: "bfl", defaultModel: true },
  { pattern: /^(dall-e|gpt-image|sora)/i, provider: "openai" },
  // A bare family name means its flagship model, not a model literally called "sd".
  { pattern: /^flux/i, provider: "bfl" },
  { pattern: /^core$/i, provider: "stability", model: "stable-image-core" },
  { pattern: /^ultra$/i, provider: "stability", model: "stable-image-ultra" },
  { pattern: /^sd$/i, provider: "stability", model: "sd3.5-large" },
  { pattern: /^(sd|stable-)/i, provider: "stability" },
  { pattern: /^(gemini|imagen|veo)/i, provider: "google" },
  { pattern: /^grok/i, provider: "xai" },
  { pattern: /^fal-ai\//i, provider: "fal", namespace: true },
  { pattern: /^(gen[34]|act[-_]two)/i, provider: "runway" },
  { pattern: /^(photon|ray)/i, provider: "luma" },
  { pattern: /^(wan|wanx|qwen-image|z-image)/i, provider: "alibaba" },
  { pattern: /^mock/i, provider: "mock", namespace: true },
];

/**
 * What a config with no model at all runs. Both must be GA with no shutdown in sight
 * (test/core/catalog-defaults.test.ts fails 60 days before a default's shutdown day).
 */
export const DEFAULT_MODELS: Record<MediaKind, ResolvedModel> = {
  image: { provider: "openai", model: "gpt-image-2" },
  video: { provider: "google", model: "veo-3.1-generate-001" },
};
