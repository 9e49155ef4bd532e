import { parseArgs } from "node:util";
import type { Gateway } from "../core/gateway.js";
import type { VideoStatus } from "../core/generate-video.js";
import type { GenerationConfigInput, VideoGenerationRequest } from "../core/types.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { COMMON_FLAGS, configFromFlags, extraParams, intFlag, mediaArg, numberFlag, parseCommand, withUsage } from "./flags.js";
import { type RunContext, printSummary } from "./run.js";

export const VIDEO_HELP = `Usage: tarash video "<prompt>" [options]
       tarash video status <job-id> [--json]
       tarash video cancel <job-id>
       tarash video download <job-id> [--out FILE|DIR]

Generate videos. With --submit the job is started and its id printed; check it later (from any
process) with status / download, or stop it with cancel.

Model and routing
  -m, --model <id|alias>        e.g. veo-3.0-generate-001, sora-2, gen4_turbo, fal-ai/veo3, ray-2, mock
  -p, --provider <id>           fal, replicate, google, runway, openai, azure-openai, luma, mock
      --fallback <provider/model>  (repeatable)   --retries <n>   --timeout <seconds>   --base-url <url>
      --mock                    run offline on the mock provider (with --model: mock that model)

Request
      --duration <seconds>      durationSeconds
      --resolution <480p|720p|1080p|4k>
      --aspect-ratio <w:h>      e.g. 16:9
      --audio | --no-audio      generateAudio
      --image <file|url>        first frame (repeatable; "last_frame=<file>", "reference=<file>")
      --video <file|url>        input video for video-to-video
  -n <count>                    numberOfVideos
      --seed <n>   --negative-prompt <text>   --enhance-prompt   --extra <key=value>   --strict | --coerce

Output
      --submit                  start the job, print its id and exit
  -o, --out <file|dir>          where to write (numbered files for n > 1)
      --json                    the response as JSON on stdout   -q, --quiet   -v, --verbose
`;

const VIDEO_FLAGS = {
  ...COMMON_FLAGS,
  n: { type: "string", short: "n" },
  duration: { type: "string" },
  audio: { type: "boolean" },
  "no-audio": { type: "boolean" },
  video: { type: "string" },
  submit: { type: "boolean" },
} as const;

const TYPED = /^(first_frame|last_frame|reference)=(.+)$/;

/** One human line for `tarash video status`: state, queue position or percent, and what to do next. */
function describeStatus(s: VideoStatus): string {
  const parts = [`${s.provider}/${s.model}`, s.status];
  if (s.queuePosition !== undefined) parts.push(`queue position ${s.queuePosition}`);
  if (s.progressPercent !== undefined) parts.push(`${Math.round(s.progressPercent)}%`);
  if (s.message) parts.push(s.message);
  if (s.error) parts.push(`${s.error.type}: ${s.error.message}`);
  if (s.status === "completed") parts.push(`${s.result?.videos.length ?? 0} video(s); fetch with  tarash video download <job-id> --out FILE`);
  return parts.join("  ");
}

async function jobCommand(action: string, jobId: string | undefined, gateway: Gateway, run: RunContext, v: { out?: string | undefined; json?: boolean | undefined; mock?: boolean | undefined }) {
  if (!jobId) throw new UsageError(`tarash video ${action} needs a job id`);
  const config = v.mock ? { mock: { enabled: true } } : {};
  if (action === "cancel") return cancelCommand(jobId, gateway, run, config, Boolean(v.json));
  const status = await gateway.getVideoStatus(jobId, config);
  if (action === "status") {
    if (v.json) run.stdout(`${JSON.stringify({ ...status, result: status.result && { ...status.result, rawResponse: undefined } }, null, 2)}\n`);
    else run.stdout(`${describeStatus(status)}\n`);
    return EXIT.ok;
  }
  if (status.status !== "completed" || !status.result) {
    const ended = status.status === "failed" || status.status === "cancelled";
    const percent = status.progressPercent !== undefined ? ` (${Math.round(status.progressPercent)}%)` : "";
    const reason = status.error ? `: ${status.error.message}` : "";
    const message = `job is ${ended ? status.status : `still ${status.status}${percent}`}${reason}; nothing to download${ended ? "" : " yet"}`;
    process.stderr.write(`error: ${message}\n`);
    const exitCode = ended ? EXIT.provider : EXIT.failure;
    // The same shape as every other --json failure (src/cli/errors.ts).
    if (v.json) run.stdout(`${JSON.stringify({ error: { type: ended ? "JobEnded" : "JobNotReady", message, exitCode, provider: status.provider, model: status.model } }, null, 2)}\n`);
    return exitCode;
  }
  return printSummary(run, gateway, config, status.result, v.out, Boolean(v.json));
}

/**
 * `tarash video cancel`: send the cancel, then read the job back and report what is true. "cancelled" only
 * when the provider says so; a job that had already finished, or whose state cannot be read, is an error
 * (exit 1); a provider still winding the job down is reported as a requested cancel.
 */
async function cancelCommand(jobId: string, gateway: Gateway, run: RunContext, config: GenerationConfigInput, json: boolean): Promise<number> {
  await gateway.cancelVideo(jobId, config);
  let status: VideoStatus;
  try {
    status = await gateway.getVideoStatus(jobId, config);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (json) run.stdout(`${JSON.stringify({ jobId, cancelled: false, status: "unknown", error: reason })}\n`);
    process.stderr.write(`error: the cancel was sent, but the job's state could not be read back (${reason}); check with  tarash video status <job-id>\n`);
    return EXIT.failure;
  }
  const cancelled = status.status === "cancelled";
  const finished = status.status === "completed" || status.status === "failed";
  if (json) run.stdout(`${JSON.stringify({ jobId, cancelled, status: status.status })}\n`);
  if (cancelled) {
    if (!json) run.terminal.line(`cancelled ${jobId}`);
    return EXIT.ok;
  }
  if (finished) {
    process.stderr.write(`error: the job had already ${status.status}; nothing was cancelled\n`);
    return EXIT.failure;
  }
  if (!json) run.terminal.line(`cancel requested for ${jobId}; ${status.provider} still reports it ${status.status} (check with  tarash video status <job-id>)`);
  return EXIT.ok;
}

export async function videoCommand(argv: string[], gateway: Gateway, run: RunContext): Promise<number> {
  const { values: v, positionals } = withUsage(() => parseArgs(parseCommand(argv, VIDEO_FLAGS)));
  if (v.help) {
    run.stdout(VIDEO_HELP);
    return 0;
  }
  const [first, ...rest] = positionals;
  if (first === "status" || first === "cancel" || first === "download") return jobCommand(first, rest[0], gateway, run, v);
  const prompt = positionals.join(" ").trim();
  if (!prompt) throw new UsageError('a prompt is required: tarash video "waves at night"');
  if (v.audio && v["no-audio"]) throw new UsageError("--audio and --no-audio are mutually exclusive");
  const imageList = await Promise.all(
    (v.image ?? []).map(async (arg, i) => {
      const typed = TYPED.exec(arg);
      const type = (typed?.[1] ?? (i === 0 ? "first_frame" : "reference")) as "first_frame" | "last_frame" | "reference";
      return { image: await mediaArg("image", typed?.[2] ?? arg), type };
    }),
  );
  const request: VideoGenerationRequest = {
    prompt,
    durationSeconds: numberFlag("duration", v.duration),
    resolution: v.resolution as VideoGenerationRequest["resolution"],
    aspectRatio: v["aspect-ratio"],
    generateAudio: v.audio ? true : v["no-audio"] ? false : undefined,
    imageList: imageList.length ? imageList : undefined,
    video: v.video ? await mediaArg("video", v.video) : undefined,
    numberOfVideos: intFlag("n", v.n, 1),
    seed: intFlag("seed", v.seed),
    negativePrompt: v["negative-prompt"],
    enhancePrompt: v["enhance-prompt"],
    extraParams: extraParams(v.extra),
  };
  const config = configFromFlags(v);
  if (v.submit) {
    const job = await gateway.submitVideo(config, request, { signal: run.signal });
    if (v.json) run.stdout(`${JSON.stringify(job, null, 2)}\n`);
    else {
      run.stdout(`${job.jobId}\n`);
      for (const w of job.warnings) run.terminal.line(`warning: ${w}`);
      run.terminal.line(`${job.provider}/${job.model}: check with  tarash video status ${job.jobId.slice(0, 12)}…`);
    }
    return 0;
  }
  const response = await gateway.generateVideo(config, request, { signal: run.signal, onProgress: (u) => run.terminal.status(u) });
  run.terminal.done();
  return printSummary(run, gateway, config, response, v.out, Boolean(v.json));
}
