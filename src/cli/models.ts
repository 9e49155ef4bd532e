import type { ModelCapability, PriceBasis } from "../core/capabilities.js";
import type { Gateway } from "../core/gateway.js";
import { asOf, checkCatalog, dayStart } from "../core/lifecycle.js";
import type { MediaKind } from "../core/types.js";
import { ValidationError } from "../core/errors.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { parseArgs } from "node:util";
import { parseCommand, withUsage } from "./flags.js";
import type { RunContext } from "./run.js";

export const MODELS_HELP = `Usage: tarash models [--provider <id>] [--kind image|video] [--all] [--json] [--check] [--as-of <YYYY-MM-DD>]

List the model catalog: status, sizes or aspect ratios, max n, inputs, durations and price.
Retired models are hidden unless --all; preview and deprecated models are marked in STATUS.

      --all                 include retired models (and why: shutdown day, replacement)
      --json                every entry as JSON, lifecycle included (status, deprecatedOn, shutdownOn,
                            replacement, verifiedOn, source); retired ones only with --all
      --check               list entries that need a maintainer: a shutdown day passed since the entry was
                            verified, a shutdown within 60 days, or facts not verified in the last 180 days.
                            Exit code 0 when nothing needs attention, 1 when something does.
      --as-of <YYYY-MM-DD>  judge statuses and --check on this day instead of today
`;

const MODELS_FLAGS = {
  provider: { type: "string", short: "p" },
  kind: { type: "string" },
  json: { type: "boolean" },
  all: { type: "boolean" },
  check: { type: "boolean" },
  "as-of": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** A shutdown this close is reported by --check; facts older than STALE_DAYS are too. */
const NEAR_DAYS = 60;
const STALE_DAYS = 180;

export function formatPrice(p: PriceBasis | undefined): string {
  if (!p) return "";
  switch (p.unit) {
    case "image":
      return `$${p.usd}/image`;
    case "token":
      return `$${p.outputUsdPerMillion}/1M out tok`;
    case "second":
      return `$${p.usd}/s`;
    case "megapixel":
      return `$${p.usd}/MP`;
  }
}

function shape(m: ModelCapability): string {
  if (m.sizes) return m.sizes.join(" ");
  if (m.aspectRatios) return m.aspectRatios.join(" ");
  if (m.sizeConstraints) return `any${m.sizeConstraints.multipleOf ? ` (×${m.sizeConstraints.multipleOf})` : ""}`;
  return "";
}

function inputs(m: ModelCapability): string {
  const i = m.inputs;
  if (!i) return "text";
  const parts = ["text"];
  if (i.maxImages) parts.push(`${i.maxImages} image${i.maxImages > 1 ? "s" : ""}`);
  if (i.mask) parts.push("mask");
  if (i.video) parts.push("video");
  return parts.join("+");
}

/** STATUS column: empty for GA; preview, deprecated (with its shutdown day) and retired are marked. */
function status(m: ModelCapability): string {
  switch (m.status) {
    case "preview":
      return "preview";
    case "deprecated":
      return m.shutdownOn ? `deprecated, shuts ${m.shutdownOn}` : "deprecated";
    case "retired":
      return m.replacement ? `retired → ${m.replacement}` : "retired";
    default:
      return "";
  }
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const fmt = (r: string[]) => r.map((c, i) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return `${[fmt(header), ...rows.map(fmt)].join("\n")}\n`;
}

function list(models: ModelCapability[], json: boolean, run: RunContext): number {
  if (json) {
    run.stdout(`${JSON.stringify(models, null, 2)}\n`);
    return EXIT.ok;
  }
  const rows = models.map((m) => [
    m.provider,
    m.model,
    m.kind,
    status(m),
    m.kind === "video" ? (m.durations ? `${m.durations.join("/")}s` : m.durationRange ? `${m.durationRange.min}-${m.durationRange.max}s` : "") + (m.aspectRatios ? ` ${m.aspectRatios.join(" ")}` : "") : shape(m),
    String(m.maxN ?? 1),
    inputs(m),
    formatPrice(m.price),
  ]);
  run.stdout(table(["PROVIDER", "MODEL", "KIND", "STATUS", "SIZES / RATIOS / DURATIONS", "MAX N", "INPUTS", "PRICE"], rows));
  return EXIT.ok;
}

/** `--check`: what needs a maintainer, one line per finding; the exit code says whether there is any. */
function check(models: ModelCapability[], now: Date, json: boolean, run: RunContext): number {
  const findings = checkCatalog(models, now, { nearDays: NEAR_DAYS, staleDays: STALE_DAYS });
  if (json) run.stdout(`${JSON.stringify(findings, null, 2)}\n`);
  else if (findings.length === 0) run.stdout(`catalog ok on ${now.toISOString().slice(0, 10)}: no shutdown passed or within ${NEAR_DAYS} days, every entry verified in the last ${STALE_DAYS} days\n`);
  else run.stdout(table(["PROVIDER", "MODEL", "NEEDS", "WHY"], findings.map((f) => [f.provider, f.model, f.kind, f.message])));
  return findings.length === 0 ? EXIT.ok : EXIT.failure;
}

function parseDay(value: string | undefined): Date {
  if (value === undefined) return new Date();
  const t = dayStart(value);
  if (Number.isNaN(t)) throw new UsageError(`--as-of must be a day as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return new Date(t);
}

export function modelsCommand(argv: string[], gateway: Gateway, run: RunContext): number {
  const { values } = withUsage(() => parseArgs(parseCommand(argv, MODELS_FLAGS)));
  if (values.help) {
    run.stdout(MODELS_HELP);
    return EXIT.ok;
  }
  if (values.kind && values.kind !== "image" && values.kind !== "video") throw new UsageError("--kind must be image or video");
  const providers = gateway.providers();
  if (values.provider !== undefined && !providers.includes(values.provider)) {
    // An empty table and exit 0 would read as "this provider has no models".
    const message = `unknown provider ${JSON.stringify(values.provider)}; providers: ${[...providers].sort().join(", ")}`;
    throw new ValidationError(message, { issues: [{ field: "provider", message, allowed: [...providers].sort() }] });
  }
  const now = parseDay(values["as-of"]);
  const models = gateway.listModels({ provider: values.provider, kind: values.kind as MediaKind | undefined }).map((m) => asOf(m, now));
  // Each action is one flag and one function; listing is what runs when no action flag is given.
  if (values.check) return check(models, now, values.json === true, run);
  return list(values.all ? models : models.filter((m) => m.status !== "retired"), values.json === true, run);
}
