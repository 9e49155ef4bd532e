import { type ChildProcess, execFile, spawn } from "node:child_process";
import { readdirSync } from "node:fs";
import { chown, mkdtemp, readFile, rm } from "node:fs/promises";
import { freePort } from "./ports.js";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Debian keeps the server binaries out of PATH, per major version. */
function binDir(): string {
  const root = "/usr/lib/postgresql";
  let versions: string[] = [];
  try {
    versions = readdirSync(root).filter((v) => /^\d+$/.test(v));
  } catch {
    // Reported below.
  }
  const latest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!latest) throw new Error("PostgreSQL is not installed (scripts/install-system-deps.sh installs Debian's postgresql)");
  return join(root, latest, "bin");
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/**
 * A real PostgreSQL server on a free port, in a temp dir, trust auth on 127.0.0.1 only, no fsync (the data
 * is thrown away); `stop()` kills it and removes the dir. PostgreSQL refuses to run as root, so as root it
 * runs as Debian's `postgres` user.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = binDir();
  const dir = await mkdtemp(join(tmpdir(), "tarash-pg-"));
  const asRoot = userInfo().uid === 0;
  const argvAs = (cmd: string, args: string[]): [string, string[]] => (asRoot ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args]);
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const data = join(dir, "data");
  const [initCmd, initArgs] = argvAs(join(bin, "initdb"), ["-D", data, "-U", "tarash", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  await run(initCmd, initArgs, { timeout: 60_000 });
  const port = await freePort();
  const [cmd, args] = argvAs(join(bin, "postgres"), ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off"]);
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const [readyCmd, readyArgs] = argvAs(join(bin, "pg_isready"), ["-h", "127.0.0.1", "-p", String(port), "-U", "tarash"]);
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited: ${stderr}`);
    const ready = await run(readyCmd, readyArgs).then(
      () => true,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`postgres did not start in 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `postgres://tarash@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      // As root the child is runuser, which does not pass SIGKILL on: signal the postmaster itself.
      // SIGQUIT is PostgreSQL's immediate shutdown: it and its backends exit at once, nothing flushed.
      try {
        const pid = Number((await readFile(join(data, "postmaster.pid"), "utf8")).split("\n")[0]);
        if (Number.isInteger(pid) && pid > 0) process.kill(pid, "SIGQUIT");
      } catch {
        // Already gone.
      }
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited(child);
      clearTimeout(timer);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
