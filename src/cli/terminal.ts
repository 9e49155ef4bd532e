import type { ProgressUpdate } from "../core/types.js";

export interface Terminal {
  readonly isTTY: boolean;
  status(update: ProgressUpdate): void;
  done(): void;
  line(text: string): void;
}

function bar(percent: number, width = 20): string {
  const filled = Math.round((percent / 100) * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}]`;
}

export function describeUpdate(u: ProgressUpdate): string {
  const parts = [`${u.provider}/${u.model}`, u.status];
  if (u.queuePosition !== undefined) parts.push(`queue position ${u.queuePosition}`);
  if (u.progressPercent !== undefined) parts.push(`${bar(u.progressPercent)} ${Math.round(u.progressPercent)}%`);
  if (u.attempt > 1) parts.push(`attempt ${u.attempt}`);
  if (u.message) parts.push(u.message);
  parts.push(`${(u.elapsedMs / 1000).toFixed(1)}s`);
  return parts.join("  ");
}

/**
 * Progress on stderr. On a TTY one status line is rewritten in place; off a TTY each distinct state is
 * a plain line with no escape codes, so logs and CI output stay readable.
 */
export function createTerminal(stream: NodeJS.WriteStream = process.stderr, quiet = false): Terminal {
  const isTTY = Boolean(stream.isTTY) && process.env.TERM !== "dumb";
  let open = false;
  let last = "";
  return {
    isTTY,
    status(update) {
      if (quiet) return;
      const text = describeUpdate(update);
      if (isTTY) {
        const width = stream.columns ?? 100;
        stream.write(`\r\x1b[2K${text.slice(0, width - 1)}`);
        open = true;
      } else {
        const key = text.replace(/\s+[\d.]+s$/, "");
        if (key !== last) stream.write(`${text}\n`);
        last = key;
      }
    },
    done() {
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
