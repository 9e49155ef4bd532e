import { TarashError, ValidationError, type ValidationIssue } from "../core/errors.js";
import { UsageError, exitCodeFor } from "./exit-codes.js";

/**
 * CLI errors speak the command line: the library names a request field (`durationSeconds`), the user typed a
 * flag (`--duration`). Fields with no flag of their own keep their name.
 */
const FLAG_OF: ReadonlyMap<string, string> = new Map([
  ["n", "-n"],
  ["numberOfVideos", "-n"],
  ["durationSeconds", "--duration"],
  ["size", "--size"],
  ["aspectRatio", "--aspect-ratio"],
  ["resolution", "--resolution"],
  ["quality", "--quality"],
  ["style", "--style"],
  ["seed", "--seed"],
  ["negativePrompt", "--negative-prompt"],
  ["enhancePrompt", "--enhance-prompt"],
  ["imageList", "--image"],
  ["maskImage", "--mask"],
  ["outputFormat", "--output-format"],
  ["generateAudio", "--audio"],
  ["video", "--video"],
  ["model", "--model"],
  ["provider", "--provider"],
  ["baseUrl", "--base-url"],
  ["timeoutMs", "--timeout"],
  ["maxRetries", "--retries"],
  ["fallbacks", "--fallback"],
  ["validation", "--strict / --coerce"],
]);

/** The flag behind a library field path (`imageList.0.type` → `--image`, `extraParams.steps` → `--extra steps=…`). */
export function flagOf(field: string): string | undefined {
  if (field.startsWith("extraParams.")) return `--extra ${field.slice("extraParams.".length)}=…`;
  const head = field.split(".")[0]!;
  return FLAG_OF.get(head);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** One issue as a CLI line: the flag instead of the field, said once (`-n 11 is not supported…`, not `n: n 11 …`). */
function issueText(issue: ValidationIssue): string {
  const flag = flagOf(issue.field);
  const name = flag ?? issue.field;
  const lead = new RegExp(`^${escape(issue.field)}(?=[\\s:]|$)`);
  if (lead.test(issue.message)) return issue.message.replace(lead, name);
  return `${name}: ${issue.message}`;
}

/** The library's advice, in CLI words. */
function cliWords(text: string): string {
  return text.replace(/validation "coerce"/g, "--coerce").replace(/validation "strict"/g, "--strict");
}

/** The text of a failure in the words of the command line (no "error:" prefix, no provider tag). */
export function errorText(error: unknown): string {
  if (error instanceof ValidationError && error.issues.length > 0) {
    // An issue's own message is the short form. When the error's message says more (an unknown model: how to
    // name it anyway; a retired one: its replacement and --coerce), that is the text to show, under the flag;
    // when it only wraps the issues ("Invalid request: n: …"), the issues are, each under its flag, once.
    const only = error.issues.length === 1 ? error.issues[0] : undefined;
    let says: string;
    if (only && (error.message.startsWith(only.message) || !error.message.includes(only.message))) says = issueText({ ...only, message: error.message });
    else if (!only && error.issues.some((i) => !error.message.includes(i.message))) says = error.message;
    else says = error.issues.map(issueText).join("; ");
    const hint = error.field === "model" ? " (tarash models lists them)" : "";
    return cliWords(`${says}${hint}`);
  }
  if (error instanceof TarashError) {
    const tried = error.executionMetadata && error.executionMetadata.totalAttempts > 1 ? ` after ${error.executionMetadata.totalAttempts} attempts` : "";
    return cliWords(`${error.message}${tried}`);
  }
  return error instanceof Error ? error.message : String(error);
}

/** The human line on stderr: `error: …`, or `error [provider/model]: …` for a failure at a provider. */
export function describeError(error: unknown, verbose: boolean): string {
  if (verbose && error instanceof Error && error.stack) return error.stack;
  const where = error instanceof TarashError && !(error instanceof ValidationError && error.issues.length > 0) && error.provider ? ` [${error.provider}${error.model ? `/${error.model}` : ""}]` : "";
  return `error${where}: ${errorText(error)}`;
}

/** `--json` on failure: one object on stdout, the same shape for every command and error. */
export interface CliErrorJson {
  error: {
    /** The error class: ValidationError, UsageError, AuthenticationError, ContentModerationError, TimeoutError, … */
    type: string;
    message: string;
    /** The exit code the command ends with. */
    exitCode: number;
    /** The library field at fault (`durationSeconds`) and the flag that set it (`--duration`), when known. */
    field?: string;
    flag?: string;
    allowed?: (string | number)[];
    issues?: { field: string; flag?: string; message: string; allowed?: (string | number)[] }[];
    provider?: string;
    model?: string;
    requestId?: string;
  };
}

export function errorJson(error: unknown): CliErrorJson {
  const out: CliErrorJson["error"] = {
    type: error instanceof Error ? (error instanceof UsageError ? "UsageError" : error.name) : "Error",
    message: errorText(error),
    exitCode: exitCodeFor(error),
  };
  if (error instanceof ValidationError && error.issues.length > 0) {
    const first = error.issues[0]!;
    out.field = first.field;
    const flag = flagOf(first.field);
    if (flag) out.flag = flag;
    if (first.allowed) out.allowed = [...first.allowed];
    out.issues = error.issues.map((i) => ({ field: i.field, ...(flagOf(i.field) ? { flag: flagOf(i.field) } : {}), message: issueText(i), ...(i.allowed ? { allowed: [...i.allowed] } : {}) }));
  }
  if (error instanceof TarashError) {
    if (error.provider) out.provider = error.provider;
    if (error.model) out.model = error.model;
    if (error.requestId) out.requestId = error.requestId;
  }
  return { error: out };
}
