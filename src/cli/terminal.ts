import type { ProgressUpdate } from "../core/types.js";

export interface Terminal {
  readonly isTTY: boolean;
  status(update: ProgressUpdate): void;
  done(): void;
  line(text: string): void;
}

function bar(percent: number, width = 20): string {
  const filled = Math.round((Math.min(100, Math.max(0, percent)) / 100) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

export function describeUpdate(u: ProgressUpdate, elapsedMs = u.elapsedMs): string {
  const parts = [`${u.provider}/${u.model}`, u.status];
  if (u.queuePosition !== undefined) parts.push(`queue position ${u.queuePosition}`);
  if (u.progressPercent !== undefined) parts.push(`${bar(u.progressPercent)} ${Math.round(u.progressPercent)}%`);
  if (u.attempt > 1) parts.push(`attempt ${u.attempt}`);
  if (u.message) parts.push(u.message);
  parts.push(`${(elapsedMs / 1000).toFixed(1)}s`);
  return parts.join("  ");
}

/** How often the TTY status line is redrawn between updates, so elapsed time keeps moving on long jobs. */
const TICK_MS = 200;

/**
 * Progress on stderr. On a TTY one status line is rewritten in place (and its elapsed time keeps
 * ticking while the provider is silent); off a TTY each distinct state is a plain line with no escape
 * codes, so logs and CI output stay readable.
 */
export function createTerminal(stream: NodeJS.WriteStream = process.stderr, quiet = false): Terminal {
  const isTTY = Boolean(stream.isTTY) && process.env.TERM !== "dumb";
  let open = false;
  let last = "";
  let current: { update: ProgressUpdate; at: number } | undefined;
  let ticker: NodeJS.Timeout | undefined;

  const draw = () => {
    if (!current) return;
    const text = describeUpdate(current.update, current.update.elapsedMs + (Date.now() - current.at));
    // A pseudo-terminal of unknown size reports 0 columns.
    const width = stream.columns || 100;
    stream.write(`\r\x1b[2K${text.length >= width ? `${text.slice(0, width - 2)}…` : text}`);
    open = true;
  };
  const stopTicker = () => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
  };

  return {
    isTTY,
    status(update) {
      if (quiet) return;
      if (isTTY) {
        current = { update, at: Date.now() };
        draw();
        const terminal = update.status === "completed" || update.status === "failed";
        if (terminal) stopTicker();
        else if (!ticker) {
          ticker = setInterval(draw, TICK_MS);
          ticker.unref();
        }
      } else {
        const text = describeUpdate(update);
        const key = text.replace(/\s+[\d.]+s$/, "");
        if (key !== last) stream.write(`${text}\n`);
        last = key;
      }
    },
    done() {
      stopTicker();
      current = undefined;
      if (open) stream.write("\r\x1b[2K");
      open = false;
    },
    line(text) {
      if (quiet) return;
      if (open) this.done();
      stream.write(`${text}\n`);
    },
  };
}
