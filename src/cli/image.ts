import { ValidationError } from "../core/errors.js";
import { type Gateway } from "../core/gateway.js";
import { variationsRefusal } from "../core/lifecycle.js";
import type { ImageGenerationRequest } from "../core/types.js";
import { UsageError } from "./exit-codes.js";
import { parseArgs } from "node:util";
import { COMMON_FLAGS, configFromFlags, extraParams, intFlag, mediaArg, parseCommand, withUsage } from "./flags.js";
import { type RunContext, printSummary } from "./run.js";

export const IMAGE_HELP = `Usage: tarash image "<prompt>" [options]

Generate images and write them to files.

Model and routing
  -m, --model <id|alias>        model id or alias (gpt-image-2, fal-ai/flux/dev, mock, provider/model)
  -p, --provider <id>           provider id (openai, fal, replicate, google, stability, bfl, xai, alibaba, luma, mock)
      --fallback <provider/model>  try this when the previous one fails with a retryable error (repeatable)
      --retries <n>             retries of retryable errors per model (default 2)
      --timeout <seconds>       deadline of one attempt, polling included
      --base-url <url>          provider endpoint override
      --mock                    run offline on the mock provider (with --model: mock that model)

Request
  -n <count>                    number of images
      --size <WxH|name>         e.g. 1024x1024, or a named size such as landscape_16_9
      --aspect-ratio <w:h>      e.g. 16:9
      --resolution <1K|2K|4K>   size tier, where the model sizes by tier
      --quality <q>             e.g. standard, hd, low, medium, high
      --style <s>               e.g. vivid, natural
      --seed <n>                deterministic output where the provider supports it
      --negative-prompt <text>
      --enhance-prompt          let the provider rewrite the prompt
      --image <file|url>        input image (repeatable; "style=<file>" marks a style reference)
      --mask <file|url>         mask for inpainting
      --variation               a variation of the one --image (no prompt needed), on a model that
                                serves variations; refused with the reason when none does
      --output-format <png|jpeg|webp>
      --extra <key=value>       provider parameter passed verbatim (repeatable; JSON values allowed)
      --strict | --coerce       reject unsupported values (default) or use the nearest supported one

Output
  -o, --out <file|dir>          where to write (numbered files for n > 1; default: current directory)
      --json                    print the response as JSON on stdout (machine output only)
  -q, --quiet                   no progress
  -v, --verbose                 stack traces on errors
`;

const IMAGE_FLAGS = {
  ...COMMON_FLAGS,
  n: { type: "string", short: "n" },
  size: { type: "string" },
  quality: { type: "string" },
  style: { type: "string" },
  mask: { type: "string" },
  "output-format": { type: "string" },
  variation: { type: "boolean" },
} as const;

const TYPED = /^(reference|style|first_frame|last_frame|asset)=(.+)$/;

export async function imageCommand(argv: string[], gateway: Gateway, run: RunContext): Promise<number> {
  const { values: v, positionals } = withUsage(() => parseArgs(parseCommand(argv, IMAGE_FLAGS)));
  if (v.help) {
    run.stdout(IMAGE_HELP);
    return 0;
  }
  const variation = v.variation === true;
  const prompt = positionals.join(" ").trim() || (variation ? "A variation of the input image" : "");
  if (!prompt) throw new UsageError('a prompt is required: tarash image "a lighthouse at dusk"');
  if (variation && (v.image ?? []).length !== 1) throw new UsageError("--variation takes exactly one --image");
  const imageList = await Promise.all(
    (v.image ?? []).map(async (arg) => {
      const typed = TYPED.exec(arg);
      return typed
        ? { image: await mediaArg("image", typed[2]!), type: typed[1] as "reference" }
        : { image: await mediaArg("image", arg), type: "reference" as const };
    }),
  );
  const request: ImageGenerationRequest = {
    prompt,
    n: intFlag("n", v.n, 1),
    size: v.size,
    aspectRatio: v["aspect-ratio"],
    resolution: v.resolution as ImageGenerationRequest["resolution"],
    quality: v.quality,
    style: v.style,
    seed: intFlag("seed", v.seed),
    negativePrompt: v["negative-prompt"],
    enhancePrompt: v["enhance-prompt"],
    imageList: imageList.length ? imageList : undefined,
    maskImage: v.mask ? await mediaArg("mask", v.mask) : undefined,
    outputFormat: v["output-format"] as ImageGenerationRequest["outputFormat"],
    extraParams: extraParams(v.extra),
  };
  const config = configFromFlags(v);
  if (variation) {
    const target = gateway.resolveModel(config.model, { ...(config.provider ? { provider: config.provider } : {}), kind: "image" });
    const refusal = variationsRefusal(gateway.getModelCapabilities(target.model, target.provider), gateway.listModels({ kind: "image" }), `${target.provider}/${target.model}`);
    if (refusal) throw new ValidationError(refusal, { issues: [{ field: "model", message: refusal }] });
    config.providerConfig = { ...config.providerConfig, operation: "variation" };
  }
  const response = await gateway.generateImage(config, request, { signal: run.signal, onProgress: (u) => run.terminal.status(u) });
  run.terminal.done();
  return printSummary(run, gateway, config, response, v.out, Boolean(v.json));
}
