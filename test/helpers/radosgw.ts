import { execFile } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A real S3-compatible server for tests: a throwaway single-node Ceph cluster (memstore) with radosgw,
 * started by scripts/radosgw.sh on free ports. radosgw verifies SigV4 signatures and presigned URL
 * expiry, so a test passing against it proves the gateway signs correctly. Start once per test file
 * (about 15 s), stop in `after`.
 */
export interface Radosgw {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  stop(): Promise<void>;
}

/** Fixed keys of the S3 user the helper creates (test-only). */
export const RADOSGW_ACCESS_KEY = "TARASHTESTACCESSKEY1";
export const RADOSGW_SECRET_KEY = "tarash-test-secret-0123456789abcdefghijklmn";

const SCRIPT = resolve(fileURLToPath(import.meta.url), "../../../scripts/radosgw.sh");

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function run(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile("bash", [SCRIPT, ...args], { timeout: timeoutMs, killSignal: "SIGKILL" }, (error, stdout, stderr) => {
      if (error) reject(new Error(`scripts/radosgw.sh ${args[0]} failed: ${error.message}\n${stderr}`));
      else resolvePromise(stdout.trim());
    });
  });
}

/** The daemons' pids, read synchronously so they can be killed from an `exit` handler. */
function pidsOf(dir: string): number[] {
  try {
    return readdirSync(join(dir, "run"))
      .filter((f) => f.endsWith(".pid"))
      .map((f) => Number(readFileSync(join(dir, "run", f), "utf8").trim()))
      .filter((p) => Number.isInteger(p) && p > 0);
  } catch {
    return [];
  }
}

export async function startRadosgw(): Promise<Radosgw> {
  const dir = await mkdtemp(join(tmpdir(), "tarash-rgw-"));
  // A test process that dies without running `after` must not leave a cluster behind.
  const killOnExit = () => {
    for (const pid of pidsOf(dir)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  };
  process.once("exit", killOnExit);
  let endpoint: string;
  try {
    const [monPort, rgwPort] = [await freePort(), await freePort()];
    endpoint = await run(["start", dir, String(monPort), String(rgwPort), RADOSGW_ACCESS_KEY, RADOSGW_SECRET_KEY], 120_000);
  } catch (error) {
    killOnExit();
    process.removeListener("exit", killOnExit);
    throw error;
  }
  let stopped = false;
  return {
    endpoint,
    region: "us-east-1",
    accessKeyId: RADOSGW_ACCESS_KEY,
    secretAccessKey: RADOSGW_SECRET_KEY,
    async stop() {
      if (stopped) return;
      stopped = true;
      await run(["stop", dir], 30_000).catch(killOnExit);
      process.removeListener("exit", killOnExit);
    },
  };
}
