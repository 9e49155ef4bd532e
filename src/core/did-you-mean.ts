/**
 * "Did you mean" suggestions: the known names closest to one a user typed. Names are short (model ids, field
 * names); the input is cut to MAX_LENGTH characters and the candidate list is bounded by the caller, so one
 * lookup stays far below a millisecond.
 */

/** Longer inputs are compared by their first MAX_LENGTH characters. */
const MAX_LENGTH = 64;

/** Levenshtein distance (insert, delete, substitute), case-insensitive, over the first MAX_LENGTH characters. */
export function editDistance(a: string, b: string): number {
  const s = a.slice(0, MAX_LENGTH).toLowerCase();
  const t = b.slice(0, MAX_LENGTH).toLowerCase();
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const row = [i];
    for (let j = 1; j <= t.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[t.length]!;
}

/** How far a typo may go: 1 edit for names up to 4 characters, 2 up to 8, then a third of the length. */
export function typoBudget(name: string): number {
  return name.length <= 4 ? 1 : name.length <= 8 ? 2 : Math.floor(name.length / 3);
}

export interface ClosestOptions {
  /** At most this many suggestions. Default 3. */
  limit?: number;
  /** Suggest only names within this distance. Default: typoBudget(input). */
  maxDistance?: number;
  /**
   * Also suggest names sharing a prefix with the input (`fluxx` → `flux-dev`) of at least this many characters and
   * at least half the shorter name. Default: off.
   */
  prefixAtLeast?: number;
}

/** The candidates closest to `input`, nearest first (ties in candidate order); the input itself is never suggested. */
export function closest(input: string, candidates: Iterable<string>, options: ClosestOptions = {}): string[] {
  const limit = options.limit ?? 3;
  const budget = options.maxDistance ?? typoBudget(input);
  const lower = input.toLowerCase();
  const scored: { name: string; distance: number; order: number }[] = [];
  const seen = new Set<string>();
  let order = 0;
  for (const name of candidates) {
    if (seen.has(name) || name === input) continue;
    seen.add(name);
    const distance = editDistance(input, name);
    const other = name.toLowerCase();
    const shared = sharedPrefix(lower, other);
    const byPrefix = options.prefixAtLeast !== undefined && shared >= options.prefixAtLeast && shared >= Math.ceil(Math.min(lower.length, other.length) / 2);
    if (distance <= budget || byPrefix) scored.push({ name, distance, order: order++ });
  }
  scored.sort((x, y) => x.distance - y.distance || x.order - y.order);
  return scored.slice(0, limit).map((s) => s.name);
}

function sharedPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
