import { readFile } from "node:fs/promises";
import type { ParseArgsConfig } from "node:util";
import type { GenerationConfigInput, MediaInput } from "../core/types.js";
import { UsageError } from "./exit-codes.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Flags shared by `image` and `video`: which model, how hard to try, where output goes. */
export const COMMON_FLAGS = {
  model: { type: "string", short: "m" },
  provider: { type: "string", short: "p" },
  "base-url": { type: "string" },
  seed: { type: "string" },
  "negative-prompt": { type: "string" },
  "aspect-ratio": { type: "string" },
  resolution: { type: "string" },
  "enhance-prompt": { type: "boolean" },
  image: { type: "string", multiple: true },
  extra: { type: "string", multiple: true },
  fallback: { type: "string", multiple: true },
  retries: { type: "string" },
  timeout: { type: "string" },
  out: { type: "string", short: "o" },
  json: { type: "boolean" },
  mock: { type: "boolean" },
  strict: { type: "boolean" },
  coerce: { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
} as const satisfies Options;

/** Run a parseArgs call, turning its errors (unknown flag, missing value) into a UsageError. */
export function withUsage<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message.replace(/^TypeError \[\w+\]: /, ""));
  }
}

export function parseCommand<O extends Options>(argv: string[], options: O) {
  return { args: argv, options, allowPositionals: true, strict: true } as const;
}

export function intFlag(name: string, value: string | undefined, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  const flag = name.length === 1 ? `-${name}` : `--${name}`;
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

export function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`--${name} must be a positive number, got "${value}"`);
  return n;
}

/** `--extra key=value`: values that parse as JSON (numbers, booleans, objects) are sent typed. */
export function extraParams(pairs: string[] | undefined): Record<string, unknown> | undefined {
  if (!pairs?.length) return undefined;
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--extra takes key=value, got "${pair}"`);
    const raw = pair.slice(eq + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    out[pair.slice(0, eq)] = value;
  }
  return out;
}

/** A file path becomes bytes; http(s) and data: URLs pass through. */
export async function mediaArg(flag: string, value: string): Promise<MediaInput> {
  if (/^(https?:|data:)/i.test(value)) return value;
  try {
    return new Uint8Array(await readFile(value));
  } catch {
    throw new UsageError(`--${flag}: cannot read file "${value}"`);
  }
}

type Common = { [K in keyof typeof COMMON_FLAGS]?: (typeof COMMON_FLAGS)[K] extends { multiple: true } ? string[] : (typeof COMMON_FLAGS)[K] extends { type: "boolean" } ? boolean : string };

/** The generation config from flags. `--mock` alone runs the mock provider; with a model it mocks that model. */
export function configFromFlags(v: Common): GenerationConfigInput {
  if (v.strict && v.coerce) throw new UsageError("--strict and --coerce are mutually exclusive");
  const timeout = numberFlag("timeout", v.timeout);
  const config: GenerationConfigInput = {
    provider: v.provider ?? (v.mock && !v.model ? "mock" : undefined),
    model: v.model,
    baseUrl: v["base-url"],
    maxRetries: intFlag("retries", v.retries),
    timeoutMs: timeout === undefined ? undefined : Math.round(timeout * 1000),
    validation: v.coerce ? "coerce" : v.strict ? "strict" : undefined,
    mock: v.mock ? { enabled: true } : undefined,
    fallbacks: v.fallback?.map((f) => ({ model: f, mock: v.mock ? { enabled: true } : undefined })),
  };
  return Object.fromEntries(Object.entries(config).filter(([, x]) => x !== undefined)) as GenerationConfigInput;
}
