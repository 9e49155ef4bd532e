import { ValidationError, type ValidationIssue } from "../errors.js";
import type { EnumValue, InputSpec, JsonType, SchemaNode } from "./compile.js";

/**
 * Checks a provider input object against a compiled published schema: required fields, unknown
 * fields, types, enums, ranges and list lengths. `strict` refuses with a ValidationError naming each
 * field (as the caller wrote it) and the values it allows; `coerce` fixes what has an obvious fix
 * (clamp to the range, the nearest allowed number, a differently-cased enum, one value ↔ a list of
 * one) and leaves out optional fields it cannot fix, each with a warning.
 */

export interface CheckOptions {
  mode: "strict" | "coerce";
  /** What the input is for, in messages: `fal model fal-ai/new-thing`. */
  subject: string;
  /** Wire field → the request field the caller set (`image_urls` → `imageList`). */
  fieldName?: ((wire: string) => string) | undefined;
  provider?: string | undefined;
  model?: string | undefined;
}

export interface CheckResult {
  input: Record<string, unknown>;
  warnings: string[];
}

interface Problem {
  message: string;
  allowed?: readonly (string | number)[] | undefined;
}

const MAX_LISTED = 40;

function typeOf(v: unknown): JsonType | "undefined" {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  if (typeof v === "string" || typeof v === "boolean" || typeof v === "object") return typeof v as JsonType;
  return "undefined";
}

function typeMatches(v: unknown, types: readonly JsonType[]): boolean {
  if (types.length === 0) return true;
  const t = typeOf(v);
  return types.some((want) => want === t || (want === "number" && t === "integer"));
}

const show = (v: unknown): string => (typeof v === "string" ? `"${v}"` : JSON.stringify(v) ?? String(v));
const printable = (values: readonly EnumValue[]): (string | number)[] => values.filter((v): v is string | number => typeof v === "string" || typeof v === "number");

/** What a node accepts, in words (for messages). */
export function describeNode(node: SchemaNode): string {
  if (node.anyOf && node.anyOf.length > 0) return node.anyOf.map(describeNode).join(" or ");
  if (node.enum) return `one of ${node.enum.slice(0, MAX_LISTED).map(show).join(", ")}`;
  const types = node.types.filter((t) => t !== "null");
  const what = types.length === 0 ? "any value" : types.map((t) => (t === "integer" ? "an integer" : t === "array" ? "a list" : t === "object" ? "an object" : `a ${t}`)).join(" or ");
  const low = node.minimum ?? node.exclusiveMinimum;
  const high = node.maximum ?? node.exclusiveMaximum;
  const lowText = low === undefined ? "" : `${node.exclusiveMinimum !== undefined ? "above" : "at least"} ${low}`;
  const highText = high === undefined ? "" : `${node.exclusiveMaximum !== undefined ? "below" : "at most"} ${high}`;
  const range = [lowText, highText].filter(Boolean).join(" and ");
  const items = node.minItems !== undefined || node.maxItems !== undefined ? ` of ${node.minItems ?? 0}–${node.maxItems ?? "any number of"} items` : "";
  return `${what}${items}${range ? ` ${range}` : ""}`;
}

/** Why `value` does not satisfy `node`, or undefined when it does. */
export function problemWith(value: unknown, node: SchemaNode, depth = 0): Problem | undefined {
  if (depth > 16) return undefined;
  if (node.anyOf && node.anyOf.length > 0) {
    const branchProblems = node.anyOf.map((b) => problemWith(value, b, depth + 1));
    if (branchProblems.some((p) => p === undefined)) return own(value, { ...node, anyOf: undefined }, depth);
    const allowed = node.anyOf.flatMap((b) => (b.enum ? printable(b.enum) : []));
    return { message: `must be ${describeNode(node)}, got ${show(value)}`, allowed: allowed.length > 0 ? allowed : undefined };
  }
  return own(value, node, depth);
}

function own(value: unknown, node: SchemaNode, depth: number): Problem | undefined {
  if (!typeMatches(value, node.types)) return { message: `must be ${describeNode(node)}, got ${show(value)}` };
  if (node.enum && !node.enum.includes(value as EnumValue)) {
    return { message: `must be one of ${node.enum.slice(0, MAX_LISTED).map(show).join(", ")}, got ${show(value)}`, allowed: printable(node.enum) };
  }
  if (typeof value === "number") {
    const out =
      (node.minimum !== undefined && value < node.minimum) ||
      (node.maximum !== undefined && value > node.maximum) ||
      (node.exclusiveMinimum !== undefined && value <= node.exclusiveMinimum) ||
      (node.exclusiveMaximum !== undefined && value >= node.exclusiveMaximum);
    if (out) return { message: `must be ${describeNode({ ...node, types: typeOf(value) === "integer" && node.types.includes("integer") ? ["integer"] : node.types })}, got ${value}` };
  }
  if (typeof value === "string") {
    if (node.minLength !== undefined && value.length < node.minLength) return { message: `must be at least ${node.minLength} characters long` };
    if (node.maxLength !== undefined && value.length > node.maxLength) return { message: `must be at most ${node.maxLength} characters long, got ${value.length}` };
    if (node.format === "uri" && !/^(https?:\/\/|data:)/i.test(value)) return { message: `must be an http(s) or data: URL` };
  }
  if (Array.isArray(value)) {
    if (node.minItems !== undefined && value.length < node.minItems) return { message: `takes at least ${node.minItems} items, got ${value.length}` };
    if (node.maxItems !== undefined && value.length > node.maxItems) return { message: `takes at most ${node.maxItems} items, got ${value.length}` };
    if (node.items) {
      for (const [i, item] of value.entries()) {
        const p = problemWith(item, node.items, depth + 1);
        if (p) return { ...p, message: `item ${i} ${p.message}` };
      }
    }
  }
  if (node.properties && value !== null && typeof value === "object" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const name of node.required ?? []) if (!Object.hasOwn(obj, name)) return { message: `needs "${name}"` };
    for (const [name, child] of node.properties) {
      if (!Object.hasOwn(obj, name)) continue;
      const p = problemWith(obj[name], child, depth + 1);
      if (p) return { ...p, message: `.${name} ${p.message}` };
    }
  }
  return undefined;
}

/** The obvious fix of a value, with a note saying what changed; undefined when there is none. */
export function coerceValue(value: unknown, node: SchemaNode, depth = 0): { value: unknown; note: string } | undefined {
  if (depth > 16) return undefined;
  if (node.anyOf && node.anyOf.length > 0) {
    for (const branch of node.anyOf) {
      const fixed = coerceValue(value, branch, depth + 1);
      if (fixed && !problemWith(fixed.value, node, depth + 1)) return fixed;
    }
    return undefined;
  }
  let v = value;
  const notes: string[] = [];
  const wantsNumber = node.types.includes("number") || node.types.includes("integer");
  if (typeof v === "string" && wantsNumber && !node.types.includes("string") && v.trim() !== "" && Number.isFinite(Number(v))) v = Number(v);
  if (Array.isArray(v) && !node.types.includes("array") && node.types.length > 0 && v.length === 1) v = v[0];
  else if (!Array.isArray(v) && node.types.length > 0 && node.types.every((t) => t === "array" || t === "null") && v !== null) v = [v];
  if (typeof v === "number" && node.types.includes("integer") && !node.types.includes("number") && !Number.isInteger(v)) v = Math.round(v);
  if (node.enum) {
    if (typeof v === "number") {
      const numbers = node.enum.filter((e): e is number => typeof e === "number");
      if (numbers.length > 0 && !numbers.includes(v)) {
        const target = v;
        v = numbers.reduce((best, e) => (Math.abs(e - target) < Math.abs(best - target) ? e : best));
        notes.push("the nearest allowed value");
      }
    } else if (typeof v === "string" && !node.enum.includes(v)) {
      const lower = v.toLowerCase();
      const found = node.enum.find((e) => typeof e === "string" && e.toLowerCase() === lower);
      if (found !== undefined) v = found;
    }
  }
  if (typeof v === "number") {
    let n = v;
    if (node.minimum !== undefined && n < node.minimum) n = node.minimum;
    if (node.maximum !== undefined && n > node.maximum) n = node.maximum;
    if (node.exclusiveMinimum !== undefined && n <= node.exclusiveMinimum && node.types.includes("integer")) n = Math.floor(node.exclusiveMinimum) + 1;
    if (node.exclusiveMaximum !== undefined && n >= node.exclusiveMaximum && node.types.includes("integer")) n = Math.ceil(node.exclusiveMaximum) - 1;
    if (n !== v) notes.push(`the nearest value in range`);
    v = n;
  }
  if (Array.isArray(v) && node.maxItems !== undefined && v.length > node.maxItems) {
    notes.push(`only the first ${node.maxItems}`);
    v = v.slice(0, node.maxItems);
  }
  if (problemWith(v, node, depth + 1)) return undefined;
  return { value: v, note: notes.join(", ") };
}

/**
 * Check (and under `coerce`, fix) a whole input object. Throws a ValidationError listing every
 * problem that cannot be fixed.
 */
export function checkInput(input: Readonly<Record<string, unknown>>, spec: InputSpec, options: CheckOptions): CheckResult {
  const name = (wire: string) => {
    const field = options.fieldName?.(wire) ?? wire;
    return field === wire || field.endsWith(`.${wire}`) ? field : `${field} (sent as ${wire})`;
  };
  const issues: ValidationIssue[] = [];
  const warnings: string[] = [];
  const out: Record<string, unknown> = {};
  const inputs = [...spec.fields.keys()];
  const listed = inputs.slice(0, MAX_LISTED).join(", ") + (inputs.length > MAX_LISTED ? ", …" : "");

  for (const [wire, value] of Object.entries(input)) {
    if (value === undefined) continue;
    const node = spec.fields.get(wire);
    if (!node) {
      if (options.mode === "coerce") warnings.push(`${name(wire)} is not an input of ${options.subject}; it was not sent (its inputs: ${listed})`);
      else issues.push({ field: options.fieldName?.(wire) ?? wire, message: `is not an input of ${options.subject}; its inputs are: ${listed}`, allowed: inputs.slice(0, MAX_LISTED) });
      continue;
    }
    const problem = problemWith(value, node);
    if (!problem) {
      out[wire] = value;
      continue;
    }
    if (options.mode === "coerce") {
      const fixed = coerceValue(value, node);
      if (fixed) {
        out[wire] = fixed.value;
        warnings.push(`${name(wire)} ${show(value)} is not accepted by ${options.subject}; ${show(fixed.value)} was sent${fixed.note ? ` (${fixed.note})` : ""}`);
        continue;
      }
      if (!spec.required.includes(wire)) {
        warnings.push(`${name(wire)} ${problem.message}; it was not sent to ${options.subject}`);
        continue;
      }
    }
    issues.push({ field: options.fieldName?.(wire) ?? wire, message: `${problem.message}${name(wire) !== wire && !name(wire).startsWith("extraParams") ? ` (${options.subject} input ${wire})` : ""}`, allowed: problem.allowed });
  }
  for (const wire of spec.required) {
    const node = spec.fields.get(wire);
    if (out[wire] !== undefined || node?.hasDefault) continue;
    if (input[wire] !== undefined && issues.some((i) => i.field === (options.fieldName?.(wire) ?? wire))) continue;
    issues.push({ field: options.fieldName?.(wire) ?? wire, message: `is required by ${options.subject} (input "${wire}": ${node ? describeNode(node) : "any value"})` });
  }
  if (issues.length > 0) {
    const text = issues.map((i) => `${i.field} ${i.message}`).join("; ");
    throw new ValidationError(`${options.subject}: ${text}`, { issues, provider: options.provider, model: options.model, code: "remote_schema" });
  }
  return { input: out, warnings };
}
