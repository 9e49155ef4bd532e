import {
  AuthenticationError,
  CancelledError,
  ContentModerationError,
  TarashError,
  TimeoutError,
  ValidationError,
} from "../core/errors.js";

/** Distinct exit codes so scripts can tell what went wrong without parsing text. */
export const EXIT = {
  ok: 0,
  failure: 1,
  badInput: 2,
  auth: 3,
  moderation: 4,
  provider: 5,
  timeout: 6,
  cancelled: 130,
} as const;

export function exitCodeFor(error: unknown): number {
  if (error instanceof CancelledError) return EXIT.cancelled;
  if (error instanceof ValidationError || error instanceof UsageError) return EXIT.badInput;
  if (error instanceof AuthenticationError) return EXIT.auth;
  if (error instanceof ContentModerationError) return EXIT.moderation;
  if (error instanceof TimeoutError) return EXIT.timeout;
  if (error instanceof TarashError) return EXIT.provider;
  return EXIT.failure;
}

/** A mistake in the command line itself. */
export class UsageError extends Error {
  override name = "UsageError";
}
