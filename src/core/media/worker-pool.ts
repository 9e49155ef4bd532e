import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";

/**
 * A small pool of worker threads for CPU-heavy media work (rendering, encoding), so a request never
 * blocks the event loop. Generic: a task names a module (a URL the caller computes from its own
 * `import.meta.url`, never a client string) and one of its exports, `(input) => { value, transfer? }`.
 *
 * Bounded on every side: at most `size` workers, at most `maxQueued` waiting tasks (more is refused at
 * once), every task has a deadline. Workers are reused, unref'd while idle (an idle pool never keeps a
 * process alive), and exit after `idleMs` without work.
 */

/** What a task module's export returns: the value, and the buffers to move (not copy) back. */
export interface WorkerTaskResult<T> {
  value: T;
  transfer?: ArrayBuffer[] | undefined;
}

export type WorkerPoolErrorReason = "busy" | "timeout" | "crashed" | "closed";

export class WorkerPoolError extends Error {
  override name = "WorkerPoolError";
  constructor(
    message: string,
    readonly reason: WorkerPoolErrorReason,
  ) {
    super(message);
  }
}

/** An exception thrown by the task itself, with the worker's message (a bug in the task, not the pool). */
export class WorkerTaskError extends Error {
  override name = "WorkerTaskError";
}

export interface WorkerPoolOptions {
  /** Workers at most (default: cores − 1, between 1 and 4). */
  size?: number | undefined;
  /** Tasks waiting for a worker at most; beyond, `run` rejects with reason "busy" (default 64). */
  maxQueued?: number | undefined;
  /** A task running longer is stopped (its worker terminated) and rejects with "timeout" (default 120 s). */
  taskTimeoutMs?: number | undefined;
  /** An idle worker exits after this long (default 30 s). */
  idleMs?: number | undefined;
  /** A new worker's start-up (not counted in a task's deadline) may take this long on top (default 60 s). */
  startTimeoutMs?: number | undefined;
}

export interface RunOptions {
  /** Aborting drops a task that has not started; a running one finishes, its result is discarded. */
  signal?: AbortSignal | undefined;
  /** Buffers moved (not copied) to the worker with the input. */
  transfer?: ArrayBuffer[] | undefined;
}

interface Task {
  module: string;
  fn: string;
  input: unknown;
  transfer: ArrayBuffer[];
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
  timer: NodeJS.Timeout | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  /** Exit as soon as there is nothing for it to do (see `drain`). */
  retiring: boolean;
  /** The worker has loaded its entry (start-up under tsx or on a loaded machine can take seconds). */
  ready: boolean;
  exited: Promise<void>;
}

type Reply = { ok: true; value: unknown } | { ok: false; name: string; message: string };

const ENTRY_JS = new URL("./worker-entry.js", import.meta.url);
const ENTRY_TS = new URL("./worker-entry.ts", import.meta.url);

/**
 * Built code (dist, .js) starts the entry directly. Sources run under tsx (tests, `npx tsx`): on Node 20 a
 * worker does not inherit tsx's loader from `--import tsx`, so the worker registers it before importing
 * the TypeScript entry; task modules named `.js` then resolve to their `.ts` sources as in the parent.
 */
function spawn(): Worker {
  if (!import.meta.url.endsWith(".ts")) {
    if (existsSync(fileURLToPath(ENTRY_JS))) return new Worker(ENTRY_JS);
    throw new WorkerPoolError(`the media worker entry ${fileURLToPath(ENTRY_JS)} is missing (a bundle must ship it next to worker-pool.js)`, "crashed");
  }
  let tsx: string;
  try {
    tsx = import.meta.resolve("tsx/esm/api");
  } catch {
    throw new WorkerPoolError("the media worker pool runs TypeScript sources only under tsx; build the package (npm run build) or run with tsx", "crashed");
  }
  const boot = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(ENTRY_TS.href)}); });`;
  return new Worker(boot, { eval: true });
}

export class WorkerPool {
  readonly size: number;
  readonly maxQueued: number;
  private readonly taskTimeoutMs: number;
  private readonly idleMs: number;
  private readonly startTimeoutMs: number;
  private readonly slots = new Set<Slot>();
  private readonly queue: Task[] = [];

  constructor(options: WorkerPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.size ?? Math.min(4, Math.max(1, availableParallelism() - 1))));
    this.maxQueued = Math.max(0, Math.floor(options.maxQueued ?? 64));
    this.taskTimeoutMs = options.taskTimeoutMs ?? 120_000;
    this.idleMs = options.idleMs ?? 30_000;
    this.startTimeoutMs = options.startTimeoutMs ?? 60_000;
  }

  /** Workers alive now (busy or idle). */
  get workers(): number {
    return this.slots.size;
  }

  /** Tasks waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /** Run `fn` of `module` (a file URL) on a worker with `input`; resolves with the export's `value`. */
  run<T>(module: URL | string, fn: string, input: unknown, options: RunOptions = {}): Promise<T> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const idle = [...this.slots].find((s) => !s.task);
    if (!idle && this.slots.size >= this.size && this.queue.length >= this.maxQueued) {
      return Promise.reject(new WorkerPoolError(`the media workers are busy (${this.queue.length} tasks waiting, the limit)`, "busy"));
    }
    return new Promise<T>((resolve, reject) => {
      const task: Task = {
        module: String(module),
        fn,
        input,
        transfer: options.transfer ?? [],
        resolve: resolve as (value: unknown) => void,
        reject,
        signal,
        onAbort: undefined,
      };
      if (signal) {
        task.onAbort = () => {
          const at = this.queue.indexOf(task);
          if (at >= 0) this.queue.splice(at, 1);
          reject(signal.reason);
        };
        signal.addEventListener("abort", task.onAbort, { once: true });
      }
      this.queue.push(task);
      this.dispatch();
    });
  }

  /**
   * Let every current worker go: idle ones are terminated now, busy ones as soon as the queue has
   * nothing for them. Later tasks start new workers, so a pool shared by several gateways in one process
   * keeps serving the others. Resolves once those workers have exited.
   */
  async drain(): Promise<void> {
    const current = [...this.slots];
    for (const slot of current) {
      slot.retiring = true;
      if (!slot.task) this.retire(slot);
    }
    await Promise.all(current.map((s) => s.exited));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = [...this.slots].find((s) => !s.task && !s.retiring);
      if (!slot) {
        if (this.liveCount() >= this.size) return;
        try {
          slot = this.start();
        } catch (error) {
          for (const t of this.queue.splice(0)) this.settle(t, error, false);
          return;
        }
      }
      this.assign(slot, this.queue.shift()!);
    }
  }

  /** Workers that may still take work (retiring ones finish their task and go). */
  private liveCount(): number {
    let n = 0;
    for (const s of this.slots) if (!s.retiring || s.task) n++;
    return n;
  }

  private start(): Slot {
    const worker = spawn();
    let markExited!: () => void;
    const slot: Slot = { worker, task: undefined, timer: undefined, idleTimer: undefined, retiring: false, ready: false, exited: new Promise((r) => (markExited = r)) };
    worker.on("message", (reply: Reply | { ready: true }) => {
      if ("ready" in reply) slot.ready = true;
      else this.finish(slot, reply);
    });
    worker.on("error", (error) => this.lost(slot, `the media worker failed: ${error.message}`));
    worker.on("exit", (code) => {
      this.lost(slot, `the media worker exited (code ${code})`);
      markExited();
    });
    worker.unref();
    this.slots.add(slot);
    return slot;
  }

  private assign(slot: Slot, task: Task): void {
    clearTimeout(slot.idleTimer);
    slot.task = task;
    // A running task keeps the process alive until it settles (a CLI awaiting it must not exit early).
    slot.worker.ref();
    // A worker still starting gets its start-up allowance on top: the deadline is for the task's own work.
    const deadline = this.taskTimeoutMs + (slot.ready ? 0 : this.startTimeoutMs);
    slot.timer = setTimeout(() => {
      this.settle(task, new WorkerPoolError(`a media task ran longer than ${this.taskTimeoutMs} ms and was stopped`, "timeout"));
      slot.task = undefined;
      this.remove(slot);
    }, deadline);
    try {
      slot.worker.postMessage({ module: task.module, fn: task.fn, input: task.input }, task.transfer);
    } catch (error) {
      // An input that cannot be cloned or moved is the caller's bug; the worker stays free for others.
      clearTimeout(slot.timer);
      slot.task = undefined;
      slot.worker.unref();
      this.settle(task, error);
      slot.idleTimer = setTimeout(() => this.retire(slot), this.idleMs).unref();
    }
  }

  private finish(slot: Slot, reply: Reply): void {
    const task = slot.task;
    if (!task) return;
    clearTimeout(slot.timer);
    slot.task = undefined;
    slot.worker.unref();
    if (reply.ok) this.settle(task, reply.value, true);
    else this.settle(task, new WorkerTaskError(`${reply.name}: ${reply.message}`), false);
    this.dispatch();
    if (slot.task) return;
    if (slot.retiring) this.retire(slot);
    else slot.idleTimer = setTimeout(() => this.retire(slot), this.idleMs).unref();
  }

  private settle(task: Task, outcome: unknown, ok = false): void {
    if (task.onAbort) task.signal?.removeEventListener("abort", task.onAbort);
    // An aborted task was already rejected with the abort reason; a late result is dropped.
    if (task.signal?.aborted) return;
    if (ok) task.resolve(outcome);
    else task.reject(outcome);
  }

  private retire(slot: Slot): void {
    if (slot.task) return;
    this.remove(slot);
  }

  private remove(slot: Slot): void {
    if (!this.slots.delete(slot)) return;
    clearTimeout(slot.timer);
    clearTimeout(slot.idleTimer);
    void slot.worker.terminate();
    this.dispatch();
  }

  private lost(slot: Slot, message: string): void {
    const task = slot.task;
    slot.task = undefined;
    if (task) {
      clearTimeout(slot.timer);
      this.settle(task, new WorkerPoolError(message, "crashed"));
    }
    this.remove(slot);
  }
}

let shared: WorkerPool | undefined;

/** The process-wide pool for media work (created on first use). */
export function mediaWorkers(): WorkerPool {
  shared ??= new WorkerPool();
  return shared;
}

/** Let the shared pool's workers go (a gateway shutting down); it starts new ones if used again. */
export async function drainMediaWorkers(): Promise<void> {
  await shared?.drain();
}
