import type { InputSpec, SchemaNode } from "./compile.js";

/**
 * Moves values the generic mapping put under one name to the name a model's published schema
 * actually uses, within groups of names that carry the same thing (`image_url`, `image_urls`,
 * `input_image`, …). A list becomes one value when the target takes one (only a list of one), and
 * one value becomes a list of one when the target takes a list. The groups come from the provider.
 */

export interface Renamed {
  from: string;
  to: string;
}

const takesList = (node: SchemaNode): boolean =>
  node.types.includes("array") || (node.anyOf?.some((b) => b.types.includes("array")) ?? false);
const takesSingle = (node: SchemaNode): boolean =>
  node.types.length === 0 || node.types.some((t) => t !== "array" && t !== "null") || (node.anyOf?.some((b) => b.types.some((t) => t !== "array" && t !== "null")) ?? false);

/** The first name of `names` the schema has, preferring one that takes a list when `list` is set. */
export function pickField(spec: InputSpec, names: readonly string[], list?: boolean): string | undefined {
  const present = names.filter((n) => spec.fields.has(n));
  if (list === undefined) return present[0];
  return present.find((n) => (list ? takesList(spec.fields.get(n)!) : takesSingle(spec.fields.get(n)!))) ?? present[0];
}

export function remapAliases(input: Record<string, unknown>, spec: InputSpec, groups: readonly (readonly string[])[]): Renamed[] {
  const renamed: Renamed[] = [];
  for (const group of groups) {
    for (const from of group) {
      if (input[from] === undefined || spec.fields.has(from)) continue;
      const value = input[from];
      const isList = Array.isArray(value);
      const to = pickField(spec, group.filter((n) => n !== from && input[n] === undefined), isList && value.length > 1 ? true : undefined);
      if (!to) continue;
      const node = spec.fields.get(to)!;
      delete input[from];
      if (isList && !takesList(node) && value.length === 1) input[to] = value[0];
      else if (!isList && takesList(node) && !takesSingle(node)) input[to] = [value];
      else input[to] = value;
      renamed.push({ from, to });
    }
  }
  return renamed;
}
