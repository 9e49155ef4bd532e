/**
 * Replicate models as `GET /v1/models/{owner}/{name}` returns them (replicate-javascript's `Model` and
 * `ModelVersion` types; https://replicate.com/docs/reference/http#models.get): the model with
 * `latest_version: { id, created_at, cog_version, openapi_schema }`, where `openapi_schema` is the
 * Cog-generated OpenAPI 3.0.2 document: `components.schemas.Input` with `x-order`ed properties whose
 * enums live in sibling component schemas referenced through `allOf: [{ $ref }]`, and `Output`.
 */

type Json = Record<string, unknown>;

function cogDocument(input: Json, enums: Record<string, readonly (string | number)[]>, output: Json): Json {
  const enumSchemas: Record<string, Json> = {};
  for (const [name, values] of Object.entries(enums)) {
    enumSchemas[name] = { enum: values, type: typeof values[0] === "number" ? "integer" : "string", title: name, description: "An enumeration." };
  }
  return {
    openapi: "3.0.2",
    info: { title: "Cog", version: "0.1.0" },
    paths: {
      "/predictions": {
        post: {
          summary: "Predict",
          operationId: "predict_predictions_post",
          requestBody: { content: { "application/json": { schema: { $ref: "#/components/schemas/PredictionRequest" } } } },
          responses: { 200: { description: "Successful Response", content: { "application/json": { schema: { $ref: "#/components/schemas/PredictionResponse" } } } } },
        },
      },
    },
    components: {
      schemas: {
        Input: input,
        Output: output,
        ...enumSchemas,
        PredictionRequest: {
          type: "object",
          title: "PredictionRequest",
          properties: { id: { type: "string", title: "Id" }, input: { $ref: "#/components/schemas/Input" }, webhook: { type: "string", format: "uri", title: "Webhook" } },
        },
        PredictionResponse: {
          type: "object",
          title: "PredictionResponse",
          properties: { id: { type: "string", title: "Id" }, input: { $ref: "#/components/schemas/Input" }, output: { $ref: "#/components/schemas/Output" } },
        },
      },
    },
  };
}

export interface PublishedModel {
  owner: string;
  name: string;
  version: string;
  /** The `Model` object the API answers. */
  model: Json;
  /** Extension of the fake's output files (`mp4` for video models). */
  ext?: string;
}

function published(owner: string, name: string, version: string, openapi: Json): PublishedModel {
  const latest = { id: version, created_at: "2026-11-20T10:00:00.000000Z", cog_version: "0.14.3", openapi_schema: openapi };
  return {
    owner,
    name,
    version,
    model: {
      url: `https://replicate.com/${owner}/${name}`,
      owner,
      name,
      description: "A model the gateway's catalog does not list.",
      visibility: "public",
      github_url: null,
      paper_url: null,
      license_url: null,
      run_count: 1234,
      cover_image_url: null,
      default_example: null,
      latest_version: latest,
    },
  };
}

/** An image model with `num_outputs`, ratio enum by $ref, one `input_image`, `jpg` output format. */
export const SKETCHY = published(
  "acme",
  "sketchy",
  "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90",
  cogDocument(
    {
      type: "object",
      title: "Input",
      required: ["prompt"],
      properties: {
        prompt: { type: "string", title: "Prompt", "x-order": 0, description: "Text prompt" },
        aspect_ratio: { allOf: [{ $ref: "#/components/schemas/aspect_ratio" }], default: "1:1", "x-order": 1, description: "Aspect ratio" },
        num_outputs: { type: "integer", title: "Num Outputs", default: 1, minimum: 1, maximum: 4, "x-order": 2 },
        input_image: { type: "string", title: "Input Image", format: "uri", "x-order": 3, description: "Image to start from" },
        guidance: { type: "number", title: "Guidance", default: 3, minimum: 0, maximum: 10, "x-order": 4 },
        seed: { type: "integer", title: "Seed", "x-order": 5 },
        output_format: { allOf: [{ $ref: "#/components/schemas/output_format" }], default: "webp", "x-order": 6 },
      },
    },
    { aspect_ratio: ["1:1", "16:9", "9:16", "4:3", "3:4"], output_format: ["webp", "jpg", "png"] },
    { type: "array", items: { type: "string", format: "uri" }, title: "Output" },
  ),
);

/** A model whose every run makes one image and which takes a list of reference images. */
export const COLLAGE = published(
  "acme",
  "collage",
  "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0",
  cogDocument(
    {
      type: "object",
      title: "Input",
      required: ["prompt", "image_input"],
      properties: {
        prompt: { type: "string", title: "Prompt", "x-order": 0 },
        image_input: { type: "array", items: { type: "string", format: "uri" }, title: "Image Input", maxItems: 3, "x-order": 1 },
        steps: { type: "integer", title: "Steps", default: 20, minimum: 1, maximum: 50, "x-order": 2 },
      },
    },
    {},
    { type: "string", format: "uri", title: "Output" },
  ),
);

/** A video model: `start_image` (not `image`), duration as an integer enum by $ref, one URL out. */
export const CLIPPER: PublishedModel = {
  ...published(
    "acme",
    "clipper",
    "5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b",
    cogDocument(
      {
        type: "object",
        title: "Input",
        required: ["prompt"],
        properties: {
          prompt: { type: "string", title: "Prompt", "x-order": 0 },
          start_image: { type: "string", title: "Start Image", format: "uri", "x-order": 1 },
          duration: { allOf: [{ $ref: "#/components/schemas/duration" }], default: 5, "x-order": 2 },
          aspect_ratio: { allOf: [{ $ref: "#/components/schemas/aspect_ratio" }], default: "16:9", "x-order": 3 },
        },
      },
      { duration: [5, 10], aspect_ratio: ["16:9", "9:16"] },
      { type: "string", format: "uri", title: "Output" },
    ),
  ),
  ext: "mp4",
};
