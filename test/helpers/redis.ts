import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "./ports.js";

export interface TestRedis {
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

/** One PING over a raw socket; true on +PONG. */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** A real redis-server on a free port with no persistence, in a temp dir; `stop()` kills it and removes the dir. */
export async function startRedis(): Promise<TestRedis> {
  const dir = await mkdtemp(join(tmpdir(), "tarash-redis-"));
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let failed = false;
    child.once("error", () => (failed = true));
    child.once("exit", () => (failed = true));
    const deadline = Date.now() + 5_000;
    while (!failed && Date.now() < deadline) {
      if (await ping(port)) {
        return {
          url: `redis://127.0.0.1:${port}`,
          port,
          dir,
          async stop() {
            child.kill("SIGKILL");
            await exited(child);
            await rm(dir, { recursive: true, force: true });
          },
        };
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    await exited(child);
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error("redis-server did not start (is the redis-server package installed? scripts/install-system-deps.sh installs it)");
}

export interface WorkerProcess {
  child: ChildProcess;
  pid: number;
  /** Lines the worker printed (stdout and stderr). */
  output: string[];
  /** Resolves with the exit code (null when killed by a signal). */
  exit: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

const WORKER_MODULE = fileURLToPath(new URL("../../packages/server/src/server/worker.ts", import.meta.url));
const REPO = fileURLToPath(new URL("../..", import.meta.url));

/**
 * A `tarash worker --config FILE` in a child process (node --import tsx), resolved once it takes jobs.
 */
export async function startWorkerProcess(configPath: string, args: readonly string[] = []): Promise<WorkerProcess> {
  const script = join(await mkdtemp(join(tmpdir(), "tarash-worker-")), "worker.mts");
  await writeFile(
    script,
    `import { runWorker } from ${JSON.stringify(WORKER_MODULE)};\nprocess.exitCode = await runWorker(${JSON.stringify(["--config", configPath, ...args])});\n`,
  );
  const child = spawn(process.execPath, ["--import", "tsx", script], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TARASH_LOG_LEVEL: "warn" } });
  const output: string[] = [];
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString().split("\n").filter(Boolean)) {
        output.push(line);
        if (line.startsWith("tarash worker running jobs")) resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    void exit.then((code) => reject(new Error(`worker exited with ${code} before it was ready:\n${output.join("\n")}`)));
    setTimeout(() => reject(new Error(`worker not ready after 20 s:\n${output.join("\n")}`)), 20_000).unref();
  });
  await ready;
  void exit.finally(() => rm(join(script, ".."), { recursive: true, force: true }));
  return {
    child,
    pid: child.pid!,
    output,
    exit,
    async kill(signal: NodeJS.Signals = "SIGKILL") {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exit;
    },
  };
}
