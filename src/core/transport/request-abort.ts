/**
 * The abort handle of one provider request: fired by the request's timeout or the attempt's signal.
 * It has the EventEmitter shape undici's dispatcher accepts as a `signal`, so the undici transport
 * needs no AbortController and no EventTarget per request (on Node 20 those cost more than the rest of
 * the request setup); the fetch transport turns it into an AbortSignal. Listeners are per request
 * and few (the transport's own), so a small array serves.
 */
export class RequestAbort {
  aborted = false;
  reason: unknown = undefined;
  private listeners: (() => void)[] | undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.listeners;
    this.listeners = undefined;
    if (listeners) for (const listener of listeners) listener();
  }

  /** Called once, when the request is aborted (never if it already was: check `aborted` first). */
  on(_event: "abort", listener: () => void): this {
    if (!this.aborted) (this.listeners ??= []).push(listener);
    return this;
  }

  once(event: "abort", listener: () => void): this {
    return this.on(event, listener);
  }

  removeListener(_event: "abort", listener: () => void): this {
    const i = this.listeners?.indexOf(listener) ?? -1;
    if (i >= 0) this.listeners!.splice(i, 1);
    return this;
  }

  /** The same abort as a WHATWG AbortSignal, for a fetch. */
  toSignal(): AbortSignal {
    if (this.aborted) return AbortSignal.abort(this.reason);
    const controller = new AbortController();
    this.on("abort", () => controller.abort(this.reason));
    return controller.signal;
  }
}
