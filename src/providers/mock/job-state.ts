import { createHash } from "node:crypto";
import { mkdir, opendir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Where a mock video job's cancellation is recorded, so every process sees the same state: the job id
 * carries everything else (its state follows from its submission time and latency), but a cancel made in
 * one process must be visible to another (`tarash video cancel` then `tarash video status`). One small
 * file per cancelled job, named by a hash of the id (never the client's string), in
 * `$TARASH_MOCK_STATE_DIR` or `<os tmpdir>/tarash-mock`. Records outlive the jobs they describe
 * (MOCK_JOB_TTL_MS) by a day, then go.
 */

/** A mock job is kept (readable, cancellable) this long after submission, like a provider's job. */
export const MOCK_JOB_TTL_MS = 24 * 3600_000;
const RECORD_TTL_MS = MOCK_JOB_TTL_MS + 24 * 3600_000;
/** Directory entries one cancel looks at for stale records, so no call walks a huge directory. */
const PRUNE_SCAN = 200;

export function mockStateDir(env: Record<string, string | undefined> = process.env): string {
  return env.TARASH_MOCK_STATE_DIR || join(tmpdir(), "tarash-mock");
}

function recordPath(dir: string, jobId: string): string {
  return join(dir, `${createHash("sha256").update(jobId).digest("hex").slice(0, 40)}.cancelled`);
}

/** When the job was cancelled (ms since the epoch), or undefined. */
export async function cancelledAt(jobId: string, dir = mockStateDir()): Promise<number | undefined> {
  try {
    return (await stat(recordPath(dir, jobId))).mtimeMs;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

export async function recordCancel(jobId: string, dir = mockStateDir()): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(recordPath(dir, jobId), `${new Date().toISOString()}\n`, { mode: 0o600 });
  await prune(dir);
}

async function prune(dir: string): Promise<void> {
  const cutoff = Date.now() - RECORD_TTL_MS;
  let scanned = 0;
  for await (const entry of await opendir(dir)) {
    if (++scanned > PRUNE_SCAN) break;
    if (!entry.isFile() || !entry.name.endsWith(".cancelled")) continue;
    const path = join(dir, entry.name);
    const info = await stat(path).catch(() => undefined);
    if (info && info.mtimeMs < cutoff) await rm(path, { force: true });
  }
}
