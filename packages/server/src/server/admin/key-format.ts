import { createHash, randomBytes } from "node:crypto";

/** Every issued key starts with this, so secret scanners and people can tell what it is. */
export const KEY_MARKER = "tsk_";
/** Characters of a key shown in lists: the marker and 6 random characters, a label rather than a secret. */
export const PREFIX_CHARS = KEY_MARKER.length + 6;

export interface NewKey {
  /** The plain key: returned once by the admin API, never stored, never logged. */
  key: string;
  /** Hex SHA-256 of the key: what the database keeps. */
  sha256: string;
  /** The key's id: the first 12 hex digits of its SHA-256, the same id config keys have. */
  id: string;
  /** The key's first characters, for people to recognise it in a list. */
  prefix: string;
}

/** Hex SHA-256 of a key as presented, the form stored and compared. */
export function sha256Hex(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** The id of a key from its SHA-256: the ledger, metrics and the admin API name keys by this. */
export const keyIdOf = (sha256: string): string => sha256.slice(0, 12).toLowerCase();

/**
 * A fresh key: `tsk_` and 48 base64url characters (288 random bits). The 6 characters after the marker
 * are shown in lists as the key's label; the 42 after them (252 bits) are never shown anywhere.
 */
export function generateKey(): NewKey {
  const key = KEY_MARKER + randomBytes(36).toString("base64url");
  const sha256 = sha256Hex(key);
  return { key, sha256, id: keyIdOf(sha256), prefix: key.slice(0, PREFIX_CHARS) };
}
