import { REDACTED, isSecretName, redact, redactString } from "./redact.js";

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type LogFn = (fields: Record<string, unknown>, message: string) => void;

/** The logger interface; a pino instance satisfies it. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  /** Whether a record at `level` would be written; callers check it before building a costly record. */
  isLevelEnabled?: ((level: Exclude<LogLevel, "silent">) => boolean) | undefined;
}

/** Whether `logger` writes records at `level`; a logger that cannot say is assumed to. */
export function logsAt(logger: Logger, level: Exclude<LogLevel, "silent">): boolean {
  return logger.isLevelEnabled?.(level) ?? true;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface LoggerOptions {
  level?: LogLevel | undefined;
  /** Where records go: a pino-compatible logger, or a function receiving each JSON line. */
  sink?: Logger | ((line: string) => void) | undefined;
  bindings?: Record<string, unknown> | undefined;
}

function defaultLevel(): LogLevel {
  const env = process.env.TARASH_LOG_LEVEL?.toLowerCase();
  return (LOG_LEVELS as readonly string[]).includes(env ?? "") ? (env as LogLevel) : "warn";
}

/**
 * The redacted copy of a record, field by field: the common flat record (ids, numbers, short strings)
 * costs a lookup per name and a scrub per string, not a generic deep walk with its bookkeeping per line.
 * Nested values still go through `redact`, and every string through it too, so the rules stay in one place.
 */
function redactRecord(out: Record<string, unknown>, record: Record<string, unknown>): void {
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const value = record[key];
    if (isSecretName(key) && value !== undefined && value !== null && value !== "") out[key] = REDACTED;
    else if (value === null || (typeof value !== "object" && typeof value !== "string")) out[key] = value;
    else out[key] = redact(value);
  }
}

/**
 * The default sink: lines to stderr, written together once per turn of the event loop rather than one
 * write (a system call when stderr is a file) per line. Bounded: at 256 KB pending they are written at
 * once. Lines still pending when the process exits are written on the way out.
 */
let pending: string[] = [];
let pendingBytes = 0;
let scheduled = false;
const MAX_PENDING_BYTES = 256 * 1024;

function writePending(): void {
  scheduled = false;
  if (pending.length === 0) return;
  const text = pending.join("");
  pending = [];
  pendingBytes = 0;
  process.stderr.write(text);
}

function stderrLines(line: string): void {
  pending.push(`${line}\n`);
  pendingBytes += line.length + 1;
  if (pendingBytes >= MAX_PENDING_BYTES) return writePending();
  if (scheduled) return;
  scheduled = true;
  setImmediate(writePending).unref();
}

process.on("exit", writePending);

/**
 * Structured logger. Every record is redacted before it reaches the sink, whatever the sink is, so a
 * user-supplied pino logger cannot leak a key we handed it.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? defaultLevel()];
  const bindings = options.bindings ?? {};
  const sink = options.sink ?? stderrLines;
  const make =
    (level: Exclude<LogLevel, "silent">): LogFn =>
    (fields, message) => {
      if (RANK[level] < threshold) return;
      const safe: Record<string, unknown> = {};
      redactRecord(safe, bindings);
      redactRecord(safe, fields);
      const msg = redactString(message);
      if (typeof sink === "function") {
        sink(JSON.stringify({ level, time: new Date().toISOString(), msg, ...safe }));
      } else {
        sink[level](safe, msg);
      }
    };
  return {
    debug: make("debug"),
    info: make("info"),
    warn: make("warn"),
    error: make("error"),
    // A pino sink has its own level: ask it too, so callers skip records it would drop.
    isLevelEnabled: (level) => RANK[level] >= threshold && (typeof sink === "function" || sink.isLevelEnabled?.(level) !== false),
  };
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  isLevelEnabled: () => false,
};
