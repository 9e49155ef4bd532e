/**
 * The list cursor of `GET /v1/assets`: the (created_at, id) of the last row of a page, opaque to the
 * client (base64url JSON). Paging is keyset paging on that pair, so rows inserted meanwhile never shift
 * a page and a cursor stays valid however long it is kept.
 */
export interface AssetCursor {
  createdAt: Date;
  id: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_CURSOR_CHARS = 200;

export function encodeCursor(cursor: AssetCursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt.toISOString(), cursor.id]), "utf8").toString("base64url");
}

/** The cursor, or undefined when the text is not one this gateway handed out. */
export function decodeCursor(text: string): AssetCursor | undefined {
  if (text.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(text)) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(text, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) return undefined;
  const [at, id] = parsed as unknown[];
  if (typeof at !== "string" || typeof id !== "string" || !UUID.test(id)) return undefined;
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime())) return undefined;
  return { createdAt, id };
}

export function isUuid(text: string): boolean {
  return UUID.test(text);
}
