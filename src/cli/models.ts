import type { ModelCapability, PriceBasis } from "../core/capabilities.js";
import type { Gateway } from "../core/gateway.js";
import type { MediaKind } from "../core/types.js";
import { UsageError } from "./exit-codes.js";
import { parseArgs } from "node:util";
import { parseCommand, withUsage } from "./flags.js";
import type { RunContext } from "./run.js";

export const MODELS_HELP = `Usage: tarash models [--provider <id>] [--kind image|video] [--json]

List the model catalog: sizes or aspect ratios, max n, inputs, durations and price.
`;

const MODELS_FLAGS = {
  provider: { type: "string", short: "p" },
  kind: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

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

export function modelsCommand(argv: string[], gateway: Gateway, run: RunContext): number {
  const { values } = withUsage(() => parseArgs(parseCommand(argv, MODELS_FLAGS)));
  if (values.help) {
    run.stdout(MODELS_HELP);
    return 0;
  }
  if (values.kind && values.kind !== "image" && values.kind !== "video") throw new UsageError("--kind must be image or video");
  const models = gateway.listModels({ provider: values.provider, kind: values.kind as MediaKind | undefined });
  if (values.json) {
    run.stdout(`${JSON.stringify(models, null, 2)}\n`);
    return 0;
  }
  const rows = models.map((m) => [
    m.provider,
    m.model,
    m.kind,
    m.kind === "video" ? (m.durations ? `${m.durations.join("/")}s` : m.durationRange ? `${m.durationRange.min}-${m.durationRange.max}s` : "") + (m.aspectRatios ? ` ${m.aspectRatios.join(" ")}` : "") : shape(m),
    String(m.maxN ?? 1),
    inputs(m),
    formatPrice(m.price),
  ]);
  const header = ["PROVIDER", "MODEL", "KIND", "SIZES / RATIOS / DURATIONS", "MAX N", "INPUTS", "PRICE"];
  const widths = header.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
  const fmt = (r: string[]) => r.map((c, i) => (c.length > widths[i]! ? `${c.slice(0, widths[i]! - 1)}…` : c.padEnd(widths[i]!))).join("  ").trimEnd();
  run.stdout(`${[fmt(header), ...rows.map(fmt)].join("\n")}\n`);
  return 0;
}
