import { redact, redactString } from "./redact.js";

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type LogFn = (fields: Record<string, unknown>, message: string) => void;

/** The logger interface; a pino instance satisfies it. */
export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
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
 * Structured logger. Every record is redacted before it reaches the sink, whatever the sink is, so a
 * user-supplied pino logger cannot leak a key we handed it.
 */
export function createLogger(options: LoggerOptions = {}): Logger {
  const threshold = RANK[options.level ?? defaultLevel()];
  const bindings = options.bindings ?? {};
  const sink = options.sink ?? ((line: string) => process.stderr.write(`${line}\n`));
  const make =
    (level: Exclude<LogLevel, "silent">): LogFn =>
    (fields, message) => {
      if (RANK[level] < threshold) return;
      const safe = redact({ ...bindings, ...fields });
      const msg = redactString(message);
      if (typeof sink === "function") {
        sink(JSON.stringify({ level, time: new Date().toISOString(), msg, ...safe }));
      } else {
        sink[level](safe, msg);
      }
    };
  return { debug: make("debug"), info: make("info"), warn: make("warn"), error: make("error") };
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};
