/**
 * What a job record keeps of its request once the payload has gone to the worker: enough to show the
 * job (prompt, model settings), never the payload itself (data URLs, reference images, provider
 * extras), so the memory a retained job holds does not depend on what the client uploaded.
 */

/** Fields (or items) kept per object (or array); the rest are counted, not copied. */
const MAX_ENTRIES = 32;
/** Strings cut to this many characters (a prompt this long is already beyond most providers' limits). */
const MAX_STRING = 4_000;
/** Characters a whole summary may hold; past it, values are elided. */
const BUDGET = 16_000;
/** Objects below this depth are described, not copied. */
const MAX_DEPTH = 3;

function cut(value: string, budget: { left: number }): string {
  if (value.startsWith("data:")) {
    // A data URL keeps its media type only: `data:image/png;base64,… (1234 characters)`.
    const head = value.slice(0, Math.min(100, value.indexOf(",") + 1 || 5));
    return `${head}… (${value.length} characters)`;
  }
  const room = Math.max(0, Math.min(MAX_STRING, budget.left));
  budget.left -= Math.min(value.length, room);
  return value.length > room ? `${value.slice(0, room)}… (${value.length} characters)` : value;
}

function summarizeValue(value: unknown, depth: number, budget: { left: number }): unknown {
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "string") return cut(value, budget);
  if (typeof value !== "object") return undefined;
  if (depth >= MAX_DEPTH || budget.left <= 0) return Array.isArray(value) ? `[${value.length} items]` : "[object]";
  if (Array.isArray(value)) {
    const items = value.slice(0, MAX_ENTRIES).map((v) => summarizeValue(v, depth + 1, budget) ?? null);
    return value.length > MAX_ENTRIES ? [...items, `… ${value.length - MAX_ENTRIES} more`] : items;
  }
  const entries: [string, unknown][] = [];
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (entries.length === MAX_ENTRIES) break;
    const v = summarizeValue((value as Record<string, unknown>)[key], depth + 1, budget);
    if (v !== undefined) entries.push([key.length > 100 ? `${key.slice(0, 100)}…` : key, v]);
  }
  return Object.fromEntries(entries);
}

/** A bounded copy of a request: at most 32 fields or items per level, 3 levels, 16,000 characters, data URLs as their media type. */
export function summarizeRequest(request: Record<string, unknown>): Record<string, unknown> {
  return summarizeValue(request, 0, { left: BUDGET }) as Record<string, unknown>;
}

/**
 * About how many bytes a JSON value holds (string lengths, keys, 8 per number), walked iteratively.
 * An estimate for caps, not an exact size: it costs a walk over the structure, never a serialisation.
 */
export function approxBytes(value: unknown): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") total += v.length + 2;
    else if (v === null || v === undefined || typeof v !== "object") total += 8;
    else if (Array.isArray(v)) {
      total += 2;
      for (const item of v) stack.push(item);
    } else {
      total += 2;
      for (const [k, item] of Object.entries(v)) {
        total += k.length + 3;
        stack.push(item);
      }
    }
  }
  return total;
}
