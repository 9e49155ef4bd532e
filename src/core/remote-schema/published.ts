import { abortError } from "../abort.js";
import type { AdapterContext } from "../provider.js";
import { type InputSpec, compileInputSchema } from "./compile.js";
import { type CheckResult, checkInput } from "./validate.js";

/**
 * How an adapter reaches a model's published input schema. The provider supplies the specifics (URL,
 * auth, where the input schema sits in its document); the core caches, compiles and checks.
 */
export interface PublishedSchemaSource {
  /** Cache key; include the document's URL so different endpoints never share an entry. */
  key: string;
  /** Fetch the document (bounded: use fetchJsonDocument). */
  load(): Promise<unknown>;
  /** The input object schema inside the document, and the root its `$ref`s resolve against. */
  locate(document: unknown): { schema: unknown; root: unknown };
}

/**
 * The compiled input schema, or undefined when schema checks are off or the schema could not be had.
 * A failure never fails the generation: it becomes a warning, and the request goes out mapped
 * generically, as it would without schemas. A cancel or deadline still stops the attempt.
 */
export async function publishedInputSpec(ctx: AdapterContext, source: PublishedSchemaSource): Promise<InputSpec | undefined> {
  const cache = ctx.remoteSchemas;
  if (!cache) return undefined;
  try {
    const spec = await cache.get(source.key, source.load, (document) => {
      const { schema, root } = source.locate(document);
      return compileInputSchema(schema, root);
    });
    ctx.warn(`${ctx.provider} model ${ctx.model} was mapped and checked by the input schema ${ctx.provider} publishes for it`);
    return spec;
  } catch (error) {
    if (ctx.signal.aborted) throw abortError(ctx.signal);
    const reason = error instanceof Error ? error.message : String(error);
    ctx.warn(`could not read the published input schema of ${ctx.provider} model ${ctx.model} (${reason}); the request was mapped generically and sent unchecked`);
    ctx.logger.warn({ provider: ctx.provider, model: ctx.model, reason }, "published input schema unavailable");
    return undefined;
  }
}

/** Check an input against a published schema in the context's validation mode; warnings go to the response. */
export function checkPublishedInput(
  ctx: AdapterContext,
  spec: InputSpec,
  input: Readonly<Record<string, unknown>>,
  fieldName?: (wire: string) => string,
): CheckResult {
  const result = checkInput(input, spec, {
    mode: ctx.validation,
    subject: `${ctx.provider} model ${ctx.model}`,
    fieldName,
    provider: ctx.provider,
    model: ctx.model,
  });
  for (const w of result.warnings) ctx.warn(w);
  return result;
}
