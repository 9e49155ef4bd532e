import type { ModelCapability, ModelStatus } from "./capabilities.js";
import { ValidationError } from "./errors.js";
import type { ValidationMode } from "./validate.js";

const DAY_MS = 86_400_000;
/** A replacement may itself be retired; following more than this many hops means the data loops. */
const MAX_REPLACEMENT_HOPS = 5;

/** Midnight UTC of an ISO day; NaN for anything else. */
export function dayStart(iso: string): number {
  return /^\d{4}-\d{2}-\d{2}$/.test(iso) ? Date.parse(`${iso}T00:00:00Z`) : Number.NaN;
}

/**
 * The status a model has on `now`, from its dates where it has them: on and after `shutdownOn` it is
 * retired; before that, a model with an announced shutdown (or a deprecation day that has come) is
 * deprecated. A model marked retired with no shutdown day is retired whatever the clock says.
 */
export function effectiveStatus(cap: ModelCapability, now: Date): ModelStatus {
  const t = now.getTime();
  const declared = cap.status ?? "ga";
  if (cap.shutdownOn) {
    if (t >= dayStart(cap.shutdownOn)) return "retired";
    return "deprecated";
  }
  if (declared === "retired" || declared === "deprecated") return declared;
  if (cap.deprecatedOn && t >= dayStart(cap.deprecatedOn)) return "deprecated";
  return declared;
}

/** The entry as of `now` (its `status` is the effective one). */
export function asOf<T extends ModelCapability>(cap: T, now: Date): T {
  const status = effectiveStatus(cap, now);
  return cap.status === status ? cap : { ...cap, status };
}

function label(cap: ModelCapability): string {
  return `${cap.provider}/${cap.model}`;
}

/** "was shut down on 2026-05-12" / "has been retired", for messages. */
function goneText(cap: ModelCapability): string {
  return cap.shutdownOn ? `was shut down on ${cap.shutdownOn}` : "has been retired by the provider";
}

export interface LifecycleOutcome {
  /** The entry to run: the one asked for, or (coerce, retired) its replacement. */
  capability: ModelCapability;
  warnings: string[];
}

/**
 * Apply a model's lifecycle to a request, before anything is sent. Retired: `strict` refuses with the
 * shutdown date and the replacement; `coerce` runs the replacement and says so. Deprecated: a warning
 * with the shutdown date.
 */
export function checkLifecycle(
  cap: ModelCapability,
  mode: ValidationMode,
  now: Date,
  lookup: (model: string) => ModelCapability | undefined,
): LifecycleOutcome {
  const status = effectiveStatus(cap, now);
  if (status === "retired") {
    const replacement = cap.replacement ? `${cap.provider}/${cap.replacement}` : undefined;
    const base = `${label(cap)} ${goneText(cap)}`;
    if (mode === "strict" || !cap.replacement) {
      const advice = replacement
        ? `; use ${replacement} instead (or validation "coerce" to switch automatically)`
        : "; the catalog names no replacement, so choose another model";
      throw new ValidationError(`${base}${advice}`, {
        issues: [{ field: "model", message: `${base}${replacement ? `; replacement: ${replacement}` : ""}`, ...(cap.replacement ? { allowed: [cap.replacement] } : {}) }],
        provider: cap.provider,
        model: cap.model,
      });
    }
    let next = cap;
    for (let hop = 0; hop < MAX_REPLACEMENT_HOPS && next.replacement; hop++) {
      const found = lookup(next.replacement);
      if (!found) break;
      next = found;
      if (effectiveStatus(next, now) !== "retired") {
        const warnings = [`${base}; using ${label(next)} instead`];
        const more = deprecationWarning(next, now);
        if (more) warnings.push(more);
        return { capability: next, warnings };
      }
    }
    throw new ValidationError(`${base}, and its replacement ${replacement} is not served either; choose another model`, {
      issues: [{ field: "model", message: `${base}; no served replacement` }],
      provider: cap.provider,
      model: cap.model,
    });
  }
  const warning = deprecationWarning(cap, now);
  return { capability: cap, warnings: warning ? [warning] : [] };
}

function deprecationWarning(cap: ModelCapability, now: Date): string | undefined {
  if (effectiveStatus(cap, now) !== "deprecated") return undefined;
  const when = cap.shutdownOn ? ` and shuts down on ${cap.shutdownOn}` : " (no shutdown date announced)";
  const move = cap.replacement ? `; move to ${cap.provider}/${cap.replacement}` : "";
  return `${label(cap)} is deprecated${when}${move}`;
}

/** What `tarash models --check` reports about one entry. */
export interface CatalogFinding {
  provider: string;
  model: string;
  kind: "shutdown-passed" | "shutdown-near" | "stale" | "unverified";
  message: string;
}

export interface CatalogCheckOptions {
  /** A shutdown this close is reported. Default 60 days. */
  nearDays?: number;
  /** Facts older than this are reported. Default 180 days. */
  staleDays?: number;
}

/**
 * Entries that need a maintainer: a shutdown day that has passed since the facts were last verified (the
 * entry may still be offered as live), a shutdown within `nearDays`, or facts not verified in the last
 * `staleDays`. A retired entry verified on or after its shutdown day is settled and not reported.
 */
export function checkCatalog(models: readonly ModelCapability[], now: Date, options: CatalogCheckOptions = {}): CatalogFinding[] {
  const nearMs = (options.nearDays ?? 60) * DAY_MS;
  const staleDays = options.staleDays ?? 180;
  const t = now.getTime();
  const findings: CatalogFinding[] = [];
  for (const m of models) {
    const add = (kind: CatalogFinding["kind"], message: string) => findings.push({ provider: m.provider, model: m.model, kind, message });
    const verified = m.verifiedOn ? dayStart(m.verifiedOn) : Number.NaN;
    const shut = m.shutdownOn ? dayStart(m.shutdownOn) : Number.NaN;
    if (effectiveStatus(m, now) === "retired" && (Number.isNaN(shut) || verified >= shut)) continue;
    if (!Number.isNaN(shut)) {
      const then = m.replacement ? `; replacement ${m.replacement}` : "; no replacement named";
      if (t >= shut) add("shutdown-passed", `shut down on ${m.shutdownOn}, after it was last verified (${m.verifiedOn ?? "never"}): confirm, and set status "retired"${then}`);
      else if (shut - t <= nearMs) add("shutdown-near", `shuts down on ${m.shutdownOn}, in ${Math.ceil((shut - t) / DAY_MS)} days${then}`);
    }
    if (Number.isNaN(verified)) add("unverified", "no verifiedOn date");
    else if (t - verified > staleDays * DAY_MS) add("stale", `last verified on ${m.verifiedOn}, more than ${staleDays} days ago (source: ${m.source ?? "none"})`);
  }
  return findings;
}

/**
 * Why image variations cannot run on `cap`, or undefined when they can. Variations are a model capability
 * (`variations: true`); entries are judged by their `status` as given (listModels() gives it as of the
 * gateway's clock), and when every model that had the capability is retired, the message says so.
 */
export function variationsRefusal(cap: ModelCapability | undefined, catalog: readonly ModelCapability[], asked: string): string | undefined {
  if (cap?.variations && cap.status !== "retired") return undefined;
  const serving = catalog.filter((m) => m.variations && m.status !== "retired").map(label);
  const gone = catalog.filter((m) => m.variations && m.status === "retired" && label(m) !== asked).map((m) => `${label(m)} ${goneText(m)}`);
  return [
    cap?.variations ? `${asked} served image variations but ${goneText(cap)}` : `${asked} does not serve image variations`,
    serving.length > 0 ? `models that do: ${serving.join(", ")}` : "no model in the catalog does",
    ...gone,
    "send the image as an edit with a prompt instead (POST /v1/images/edits, or tarash image --image <file>)",
  ].join("; ");
}
