import type { FakeResponse } from "../helpers/fake-server.js";
import { type Check, type FalFake, type FalJob, type FalSchema, anything, bool, int, oneOf, startFalFake, str, url } from "./fal.js";

/**
 * fal's video endpoints on top of the strict queue fake: each endpoint's own input schema (fal-js
 * endpoint types), so a duration in another family's format (`8` or `"8"` for Veo, `"5s"` for
 * Kling) or a frame image under another family's name is fal's 422 naming the field.
 */

const SEED = int(0, 2 ** 53);
const VEO_DURATION = oneOf("4s", "6s", "8s");
const TOLERANCE = oneOf("1", "2", "3", "4", "5", "6");

const veo = (resolutions: string[], extra: Record<string, Check> = {}): Record<string, Check> => ({
  prompt: str,
  aspect_ratio: oneOf("16:9", "9:16"),
  duration: VEO_DURATION,
  resolution: oneOf(...resolutions),
  generate_audio: bool,
  negative_prompt: str,
  seed: SEED,
  auto_fix: bool,
  safety_tolerance: TOLERANCE,
  ...extra,
});
const VEO31 = ["720p", "1080p", "4k"];
const VEO3 = ["720p", "1080p"];
const veoI2v = (resolutions: string[]): Record<string, Check> => ({ ...veo(resolutions), aspect_ratio: oneOf("auto", "16:9", "9:16"), image_url: url });

/** A list of URLs (or data URIs), as fal's `image_urls` inputs take. */
const urls = (max: number): Check => (v) =>
  Array.isArray(v) && v.length > 0 && v.length <= max && v.every((u) => url(u) === undefined) ? undefined : `Input should be a list of 1 to ${max} valid URLs`;

const SORA: Record<string, Check> = { prompt: str, duration: oneOf("4", "8", "12"), aspect_ratio: oneOf("16:9", "9:16"), resolution: oneOf("720p"), delete_video: bool };

const KLING_DURATION = oneOf("5", "10");
const KLING_T2V: Record<string, Check> = {
  prompt: str,
  duration: KLING_DURATION,
  aspect_ratio: oneOf("16:9", "9:16", "1:1"),
  negative_prompt: str,
  cfg_scale: anything,
};
const KLING_I2V: Record<string, Check> = { prompt: str, image_url: url, duration: KLING_DURATION, negative_prompt: str, cfg_scale: anything };

const HAILUO_T2V: Record<string, Check> = { prompt: str, duration: oneOf("6", "10"), prompt_optimizer: bool };
const HAILUO_PRO: Record<string, Check> = { prompt: str, prompt_optimizer: bool };

const WAN25: Record<string, Check> = {
  prompt: str,
  duration: oneOf("5", "10"),
  resolution: oneOf("480p", "720p", "1080p"),
  negative_prompt: str,
  seed: SEED,
  enable_prompt_expansion: bool,
  enable_safety_checker: bool,
  audio_url: url,
};

export const FAL_VIDEO_SCHEMAS: Record<string, FalSchema> = {
  "fal-ai/veo3": { fields: veo(VEO3) },
  "fal-ai/veo3/fast": { fields: veo(VEO3) },
  "fal-ai/veo3/image-to-video": {
    fields: { prompt: str, aspect_ratio: oneOf("auto", "16:9", "9:16"), duration: VEO_DURATION, resolution: oneOf(...VEO3), generate_audio: bool, auto_fix: bool, image_url: url },
    required: ["prompt", "image_url"],
  },
  "fal-ai/veo3.1": { fields: veo(VEO31) },
  "fal-ai/veo3.1/fast": { fields: veo(VEO31) },
  "fal-ai/veo3.1/image-to-video": { fields: veoI2v(VEO31), required: ["prompt", "image_url"] },
  "fal-ai/veo3.1/fast/image-to-video": { fields: veoI2v(VEO31), required: ["prompt", "image_url"] },
  "fal-ai/veo3.1/first-last-frame-to-video": {
    fields: { ...veo(VEO31), aspect_ratio: oneOf("auto", "16:9", "9:16"), first_frame_url: url, last_frame_url: url },
    required: ["prompt", "first_frame_url", "last_frame_url"],
  },
  "fal-ai/veo3.1/reference-to-video": {
    fields: { prompt: str, image_urls: urls(3), aspect_ratio: oneOf("16:9", "9:16"), duration: oneOf("8s"), resolution: oneOf("720p", "1080p"), generate_audio: bool, auto_fix: bool, safety_tolerance: TOLERANCE },
    required: ["prompt", "image_urls"],
  },
  "fal-ai/veo3.1/extend-video": {
    fields: { prompt: str, video_url: url, aspect_ratio: oneOf("auto", "16:9", "9:16"), duration: oneOf("7s"), resolution: oneOf("720p"), generate_audio: bool, auto_fix: bool },
    required: ["prompt", "video_url"],
  },
  "fal-ai/sora-2/text-to-video": { fields: SORA },
  "fal-ai/sora-2/image-to-video": { fields: { ...SORA, aspect_ratio: oneOf("auto", "16:9", "9:16"), image_url: url }, required: ["prompt", "image_url"] },
  "fal-ai/minimax/video-01": { fields: { prompt: str, prompt_optimizer: bool } },
  "fal-ai/minimax/video-01/image-to-video": { fields: { prompt: str, image_url: url, prompt_optimizer: bool }, required: ["prompt", "image_url"] },
  "fal-ai/kling-video/v2.1/master/text-to-video": { fields: KLING_T2V },
  "fal-ai/kling-video/v2.5-turbo/pro/text-to-video": { fields: KLING_T2V },
  "fal-ai/kling-video/v2.1/master/image-to-video": { fields: KLING_I2V, required: ["prompt", "image_url"] },
  "fal-ai/kling-video/v2.1/standard/image-to-video": { fields: KLING_I2V, required: ["prompt", "image_url"] },
  "fal-ai/kling-video/v2.1/pro/image-to-video": { fields: { ...KLING_I2V, tail_image_url: url }, required: ["prompt", "image_url"] },
  "fal-ai/kling-video/v2.5-turbo/pro/image-to-video": { fields: { ...KLING_I2V, tail_image_url: url }, required: ["prompt", "image_url"] },
  "fal-ai/minimax/hailuo-02/standard/text-to-video": { fields: HAILUO_T2V },
  "fal-ai/minimax/hailuo-02/standard/image-to-video": {
    fields: { ...HAILUO_T2V, image_url: url, end_image_url: url, resolution: oneOf("512P", "768P") },
    required: ["prompt", "image_url"],
  },
  "fal-ai/minimax/hailuo-02/pro/text-to-video": { fields: HAILUO_PRO },
  "fal-ai/minimax/hailuo-02/pro/image-to-video": { fields: { ...HAILUO_PRO, image_url: url, end_image_url: url }, required: ["prompt", "image_url"] },
  "fal-ai/wan/v2.2-a14b/text-to-video": {
    fields: {
      prompt: str,
      num_frames: int(17, 161),
      frames_per_second: int(4, 60),
      aspect_ratio: oneOf("16:9", "9:16", "1:1"),
      resolution: oneOf("480p", "580p", "720p"),
      negative_prompt: str,
      seed: SEED,
      enable_prompt_expansion: bool,
      enable_safety_checker: bool,
      num_inference_steps: int(2, 40),
      guidance_scale: anything,
      shift: anything,
      interpolator_model: oneOf("none", "film", "rife"),
    },
  },
  "fal-ai/wan-25-preview/text-to-video": { fields: { ...WAN25, aspect_ratio: oneOf("16:9", "9:16", "1:1") } },
  "fal-ai/wan-25-preview/image-to-video": { fields: { ...WAN25, image_url: url }, required: ["prompt", "image_url"] },
  // Endpoints the gateway's catalog does not list: one with fal's common names, one making several takes.
  "fal-ai/brand-new-video": { fields: { prompt: str, duration: oneOf("4", "8"), aspect_ratio: str, image_url: url, seed: SEED } },
  "fal-ai/multi-take-video": { fields: { prompt: str, num_videos: int(1, 4) } },
};

/** Seconds of video an input asks for, per family. */
function seconds(job: FalJob): number {
  const input = job.input;
  if (typeof input.num_frames === "number") return (input.num_frames - 1) / ((input.frames_per_second as number | undefined) ?? 16);
  if (typeof input.duration === "string") return Number.parseInt(input.duration, 10);
  if (job.model.startsWith("fal-ai/veo3")) return 8;
  if (job.model.startsWith("fal-ai/minimax")) return 6;
  return 5;
}

/**
 * The model's output. A prompt with "policy" is fal's content-policy 422, "crash" a model failure
 * (500, not retryable) — both only when the result is fetched, after the status said COMPLETED.
 */
export function videoOutput(fake: FalFake, job: FalJob, fileUrl?: (jobId: string, index: number) => string): FakeResponse | undefined {
  if (!FAL_VIDEO_SCHEMAS[job.model]) return undefined;
  const prompt = job.input.prompt as string;
  if (prompt.includes("policy")) {
    return {
      status: 422,
      json: { detail: [{ loc: ["body", "prompt"], msg: "The content could not be processed because it violates our content policy", type: "content_policy_violation" }] },
    };
  }
  if (prompt.includes("crash")) {
    return { status: 500, headers: { "x-fal-retryable": "false" }, json: { detail: "Model inference failed: CUDA error" } };
  }
  const file = (i: number) => ({ url: fileUrl?.(job.id, i) ?? `${fake.url}/files/${job.id}-${i}.mp4`, content_type: "video/mp4", file_name: `output-${i}.mp4`, file_size: 4_829_101 });
  const headers = { "x-fal-request-id": job.id };
  if (job.model === "fal-ai/multi-take-video") {
    return { json: { videos: Array.from({ length: (job.input.num_videos as number | undefined) ?? 1 }, (_, i) => file(i)) }, headers };
  }
  if (job.model.startsWith("fal-ai/wan/")) {
    // Wan returns a VideoFile with its shape and length.
    return { json: { video: { ...file(0), width: 1280, height: 720, fps: 16, duration: seconds(job), num_frames: job.input.num_frames ?? 81 }, seed: 7, prompt }, headers };
  }
  return { json: { video: file(0) }, headers };
}

/** `fileUrl` points the outputs at another host (a CDN stub serving real bytes). */
export function startFalVideoFake(options: { fileUrl?: (jobId: string, index: number) => string } = {}): Promise<FalFake> {
  return startFalFake({ schemas: FAL_VIDEO_SCHEMAS, output: (fake, job) => videoOutput(fake, job, options.fileUrl) });
}
