import { parentPort } from "node:worker_threads";
import type { WorkerTaskResult } from "./worker-pool.js";

/**
 * A media worker (see worker-pool.ts): imports the task's module once, runs the named export, and posts
 * the value back with its buffers transferred. Only the pool talks to it, with modules from our own code.
 */

interface Request {
  module: string;
  fn: string;
  input: unknown;
}

type TaskFn = (input: unknown) => WorkerTaskResult<unknown> | Promise<WorkerTaskResult<unknown>>;

const modules = new Map<string, Promise<Record<string, unknown>>>();

parentPort!.on("message", (req: Request) => {
  void (async () => {
    try {
      let mod = modules.get(req.module);
      if (!mod) {
        mod = import(req.module) as Promise<Record<string, unknown>>;
        modules.set(req.module, mod);
      }
      const fn = (await mod)[req.fn];
      if (typeof fn !== "function") throw new TypeError(`${req.module} has no function export ${JSON.stringify(req.fn)}`);
      const out = await (fn as TaskFn)(req.input);
      parentPort!.postMessage({ ok: true, value: out.value }, out.transfer ?? []);
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      parentPort!.postMessage({ ok: false, name: e.name, message: e.message });
    }
  })();
});

// Tell the pool the entry has loaded: task deadlines count from here, not from the worker's start-up.
parentPort!.postMessage({ ready: true });
