/**
 * Live smoke tests for maintainers: one minimal real call per provider and model family (image, edit,
 * video where the provider offers it), with real keys, costing real money. Never part of `npm test`
 * (this directory is outside its glob; CI has no network). Run: `npm run test:live`.
 *
 *   TARASH_LIVE_PROVIDERS=fal,openai   only these providers
 *   TARASH_LIVE_VIDEO=0                no video calls (the expensive family)
 *   TARASH_LIVE_PLAN=1                 print what would be called and the catalog's estimate; call nothing
 *
 * A provider whose key is not set is skipped with one line naming the variable.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { type GenerationConfigInput, type ImageGenerationRequest, type VideoGenerationRequest, createGateway } from "../src/index.js";
import { assertImageResult, assertVideoResult } from "./invariants.js";
import { ENV_KEYS, type PlannedCall, planFor } from "./plan.js";

const env = process.env;
const gateway = createGateway({ logLevel: "silent" });
const only = env.TARASH_LIVE_PROVIDERS?.split(",").map((p) => p.trim()).filter(Boolean);
const planOnly = env.TARASH_LIVE_PLAN === "1";
const withVideo = env.TARASH_LIVE_VIDEO !== "0";

/** Env vars a provider needs besides its key. */
const EXTRA_ENV: Readonly<Record<string, readonly string[]>> = { "azure-openai": ["AZURE_OPENAI_ENDPOINT"] };

/** Why a provider is skipped, or undefined when it runs. */
function skipReason(provider: string): string | undefined {
  if (only && !only.includes(provider)) return "not in TARASH_LIVE_PROVIDERS";
  if (planOnly) return undefined;
  const keys = ENV_KEYS[provider] ?? [];
  if (!keys.some((k) => env[k])) return `${keys.join(" / ")} not set`;
  const missing = (EXTRA_ENV[provider] ?? []).filter((k) => !env[k]);
  return missing.length > 0 ? `${missing.join(", ")} not set` : undefined;
}

const TIMEOUT: Record<PlannedCall["family"], number> = { image: 240_000, edit: 240_000, video: 20 * 60_000 };

// A real 64×64 PNG for edits and image-to-video, made here so the tests need no fixture file.
const input = new Uint8Array(await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 40, b: 40 } } }).png().toBuffer());
let dir = "";
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "tarash-live-"));
});
after(() => rm(dir, { recursive: true, force: true }));

for (const provider of Object.keys(ENV_KEYS)) {
  const reason = skipReason(provider);
  describe(`live: ${provider}`, { skip: reason ?? false }, () => {
    const plan = planFor(gateway, provider, input).filter((c) => withVideo || c.family !== "video");
    for (const call of plan) {
      const title = `${call.family}: ${call.model} (catalog estimate ${call.estimatedUsd === undefined ? "unpriced" : `$${call.estimatedUsd.toFixed(3)}`})`;
      if (planOnly) {
        it(title, (t) => t.diagnostic(JSON.stringify({ ...call.request, imageList: call.request.imageList?.map((i) => ({ type: i.type, image: "64x64 PNG" })) })));
        continue;
      }
      it(title, { timeout: TIMEOUT[call.family] }, async (t) => {
        const config: GenerationConfigInput = { provider, model: call.model, maxRetries: 1 };
        if (call.family === "video") {
          const res = await gateway.generateVideo(config, call.request as VideoGenerationRequest);
          t.diagnostic(await assertVideoResult(gateway, config, res, dir));
        } else {
          const res = await gateway.generateImage(config, call.request as ImageGenerationRequest);
          t.diagnostic(await assertImageResult(gateway, config, res, dir));
        }
      });
    }
  });
}
