/**
 * Compiles the JSON-Schema subset that providers publish for model inputs (OpenAPI 3.0 component
 * schemas: `type`, `enum`, `minimum`/`maximum` and their exclusive forms, `minItems`/`maxItems`,
 * `items`, `required`, `default`, `format`, `nullable`, `$ref`, `allOf`, `anyOf`/`oneOf`) into a small
 * tree the validator walks. Nothing here knows any provider: where the input schema sits in a
 * provider's document is the provider's business; this only follows local `#/…` references.
 */

export type JsonType = "string" | "integer" | "number" | "boolean" | "array" | "object" | "null";
export type EnumValue = string | number | boolean | null;

export interface SchemaNode {
  /** Accepted JSON types; empty means any. */
  types: readonly JsonType[];
  enum?: readonly EnumValue[] | undefined;
  minimum?: number | undefined;
  maximum?: number | undefined;
  exclusiveMinimum?: number | undefined;
  exclusiveMaximum?: number | undefined;
  minItems?: number | undefined;
  maxItems?: number | undefined;
  minLength?: number | undefined;
  maxLength?: number | undefined;
  format?: string | undefined;
  items?: SchemaNode | undefined;
  /** Object members (only for nested objects such as fal's `{width, height}`). */
  properties?: ReadonlyMap<string, SchemaNode> | undefined;
  required?: readonly string[] | undefined;
  /** A value is valid when it matches any of these (anyOf / oneOf). */
  anyOf?: readonly SchemaNode[] | undefined;
  default?: unknown;
  hasDefault: boolean;
}

export interface InputSpec {
  fields: ReadonlyMap<string, SchemaNode>;
  required: readonly string[];
}

export class SchemaShapeError extends Error {
  override name = "SchemaShapeError";
}

/** Bounds on what one document may make us do (a published schema is still remote input). */
const MAX_DEPTH = 24;
const MAX_NODES = 5_000;
const TYPES: ReadonlySet<string> = new Set(["string", "integer", "number", "boolean", "array", "object", "null"]);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);

/** Follow a local JSON pointer (`#/components/schemas/Input`) inside `root`. */
export function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith("#")) throw new SchemaShapeError(`only local references are followed, got ${JSON.stringify(ref)}`);
  let at: unknown = root;
  for (const raw of ref.slice(1).split("/").filter(Boolean)) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isObject(at) || !Object.hasOwn(at, key)) throw new SchemaShapeError(`reference ${ref} points at nothing`);
    at = at[key];
  }
  return at;
}

interface Walk {
  root: unknown;
  nodes: number;
  /** References being expanded right now: a cycle is cut at the second visit. */
  active: Set<string>;
}

function compileNode(raw: unknown, walk: Walk, depth: number): SchemaNode {
  if (++walk.nodes > MAX_NODES) throw new SchemaShapeError(`schema has more than ${MAX_NODES} nodes`);
  if (depth > MAX_DEPTH) return { types: [], hasDefault: false };
  if (raw === true || raw === undefined || !isObject(raw)) return { types: [], hasDefault: false };
  if (typeof raw.$ref === "string") {
    const ref = raw.$ref;
    if (walk.active.has(ref)) return { types: [], hasDefault: false };
    walk.active.add(ref);
    try {
      const target = compileNode(resolvePointer(walk.root, ref), walk, depth + 1);
      // Siblings of $ref (OpenAPI 3.1, and fal's `default` next to a $ref) refine the target.
      const { $ref: _ref, ...rest } = raw;
      return Object.keys(rest).length === 0 ? target : merge(target, compileNode(rest, walk, depth + 1));
    } finally {
      walk.active.delete(ref);
    }
  }
  let node: SchemaNode = own(raw, walk, depth);
  if (Array.isArray(raw.allOf)) for (const part of raw.allOf) node = merge(compileNode(part, walk, depth + 1), node);
  const alternatives = Array.isArray(raw.anyOf) ? raw.anyOf : Array.isArray(raw.oneOf) ? raw.oneOf : undefined;
  if (alternatives && alternatives.length > 0) {
    const branches = alternatives.map((b) => compileNode(b, walk, depth + 1));
    node = { ...node, anyOf: branches };
  }
  return node;
}

/** The keywords of one schema object, without its composition. */
function own(raw: Json, walk: Walk, depth: number): SchemaNode {
  const types: JsonType[] = [];
  const t = raw.type;
  for (const name of Array.isArray(t) ? t : t === undefined ? [] : [t]) if (typeof name === "string" && TYPES.has(name)) types.push(name as JsonType);
  if (raw.nullable === true && types.length > 0) types.push("null");
  const node: { -readonly [K in keyof SchemaNode]: SchemaNode[K] } = { types, hasDefault: Object.hasOwn(raw, "default") };
  if (node.hasDefault) node.default = raw.default;
  if (Array.isArray(raw.enum)) node.enum = raw.enum.filter((v): v is EnumValue => v === null || ["string", "number", "boolean"].includes(typeof v));
  if (Object.hasOwn(raw, "const")) node.enum = [raw.const as EnumValue];
  node.minimum = num(raw.minimum);
  node.maximum = num(raw.maximum);
  // OpenAPI 3.0 spells exclusivity as a boolean beside minimum/maximum; 3.1 (JSON Schema) as a number.
  if (raw.exclusiveMinimum === true && node.minimum !== undefined) [node.exclusiveMinimum, node.minimum] = [node.minimum, undefined];
  else node.exclusiveMinimum = num(raw.exclusiveMinimum);
  if (raw.exclusiveMaximum === true && node.maximum !== undefined) [node.exclusiveMaximum, node.maximum] = [node.maximum, undefined];
  else node.exclusiveMaximum = num(raw.exclusiveMaximum);
  node.minItems = num(raw.minItems);
  node.maxItems = num(raw.maxItems);
  node.minLength = num(raw.minLength);
  node.maxLength = num(raw.maxLength);
  if (typeof raw.format === "string") node.format = raw.format;
  if (raw.items !== undefined) node.items = compileNode(raw.items, walk, depth + 1);
  if (isObject(raw.properties)) {
    const props = new Map<string, SchemaNode>();
    // `__proto__` cannot be an input we build as a plain object; a document naming it is ignored there.
    for (const [name, value] of Object.entries(raw.properties)) if (name !== "__proto__") props.set(name, compileNode(value, walk, depth + 1));
    node.properties = props;
  }
  if (Array.isArray(raw.required)) node.required = raw.required.filter((r): r is string => typeof r === "string" && r !== "__proto__");
  return node;
}

/** `allOf`: both must hold. Keeps the narrower bound of each keyword; `b` wins on metadata. */
function merge(a: SchemaNode, b: SchemaNode): SchemaNode {
  const pick = <T>(x: T | undefined, y: T | undefined, f: (x: T, y: T) => T): T | undefined => (x === undefined ? y : y === undefined ? x : f(x, y));
  const types = a.types.length === 0 ? b.types : b.types.length === 0 ? a.types : a.types.filter((t) => b.types.includes(t));
  return {
    types,
    enum: pick(a.enum, b.enum, (x, y) => x.filter((v) => y.includes(v))),
    minimum: pick(a.minimum, b.minimum, Math.max),
    maximum: pick(a.maximum, b.maximum, Math.min),
    exclusiveMinimum: pick(a.exclusiveMinimum, b.exclusiveMinimum, Math.max),
    exclusiveMaximum: pick(a.exclusiveMaximum, b.exclusiveMaximum, Math.min),
    minItems: pick(a.minItems, b.minItems, Math.max),
    maxItems: pick(a.maxItems, b.maxItems, Math.min),
    minLength: pick(a.minLength, b.minLength, Math.max),
    maxLength: pick(a.maxLength, b.maxLength, Math.min),
    format: b.format ?? a.format,
    items: pick(a.items, b.items, merge),
    properties: a.properties && b.properties ? new Map([...a.properties, ...b.properties]) : (a.properties ?? b.properties),
    required: a.required || b.required ? [...new Set([...(a.required ?? []), ...(b.required ?? [])])] : undefined,
    anyOf: a.anyOf ?? b.anyOf,
    default: b.hasDefault ? b.default : a.default,
    hasDefault: a.hasDefault || b.hasDefault,
  };
}

/**
 * Compile the object schema of a model's input. `schema` may be the object itself or a `$ref` into
 * `root` (the whole published document). Throws SchemaShapeError when it is not an object schema.
 */
export function compileInputSchema(schema: unknown, root: unknown): InputSpec {
  const node = compileNode(schema, { root, nodes: 0, active: new Set() }, 0);
  if (!node.properties || node.properties.size === 0) throw new SchemaShapeError("the input schema declares no properties");
  return { fields: node.properties, required: node.required ?? [] };
}
