/**
 * fal's published OpenAPI documents, shaped as fal's Platform API serves them
 * (`GET /v1/models?endpoint_id=…&expand=openapi-3.0`, https://fal.ai/docs/platform-apis/v1/models):
 * the queue document of one endpoint — `openapi: "3.0.4"`, `info.x-fal-metadata`, `QueueStatus`, the
 * endpoint's `<Name>Input`/`<Name>Output` under `components.schemas`, the status/cancel/submit/result
 * paths with the submit body referencing the input, `servers: [{url: "https://queue.fal.run"}]`.
 */

type Json = Record<string, unknown>;

const QUEUE_STATUS: Json = {
  type: "object",
  properties: {
    status: { type: "string", enum: ["IN_QUEUE", "IN_PROGRESS", "COMPLETED"] },
    request_id: { type: "string", description: "The request id." },
    response_url: { type: "string", description: "The response url." },
    status_url: { type: "string", description: "The status url." },
    cancel_url: { type: "string", description: "The cancel url." },
    logs: { type: "object", description: "The logs.", additionalProperties: true },
    metrics: { type: "object", description: "The metrics.", additionalProperties: true },
    queue_position: { type: "integer", description: "The queue position." },
  },
  required: ["status", "request_id"],
};

const IMAGE: Json = {
  "x-fal-order-properties": ["url", "content_type", "file_name", "file_size", "file_data", "width", "height"],
  type: "object",
  title: "Image",
  description: "Represents an image file.",
  properties: {
    url: { type: "string", title: "Url", description: "The URL where the file can be downloaded from." },
    content_type: { type: "string", title: "Content Type", examples: ["image/png"] },
    width: { type: "integer", title: "Width", examples: [1024] },
    height: { type: "integer", title: "Height", examples: [1024] },
  },
  required: ["url"],
};

export const IMAGE_SIZE: Json = {
  "x-fal-order-properties": ["width", "height"],
  type: "object",
  title: "ImageSize",
  properties: {
    height: { maximum: 14142, type: "integer", title: "Height", exclusiveMinimum: 0, default: 512 },
    width: { maximum: 14142, type: "integer", title: "Width", exclusiveMinimum: 0, default: 512 },
  },
};

const pascal = (id: string) =>
  id
    .split(/[^a-zA-Z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join("");

/** The queue OpenAPI document fal publishes for one endpoint. */
export function falQueueDocument(endpointId: string, input: Json, extraSchemas: Record<string, Json> = {}): Json {
  const name = pascal(endpointId.replace(/^fal-ai\//, ""));
  const requestId = { name: "request_id", in: "path", required: true, schema: { type: "string", description: "Request ID" } };
  const statusRef = { $ref: "#/components/schemas/QueueStatus" };
  return {
    openapi: "3.0.4",
    info: {
      title: `Queue OpenAPI for ${endpointId}`,
      version: "1.0.0",
      description: `The OpenAPI schema for the ${endpointId} queue.`,
      "x-fal-metadata": {
        endpointId,
        category: "text-to-image",
        playgroundUrl: `https://fal.ai/models/${endpointId}`,
        documentationUrl: `https://fal.ai/models/${endpointId}/api`,
      },
    },
    components: {
      securitySchemes: { apiKeyAuth: { type: "apiKey", in: "header", name: "Authorization", description: "Fal Key" } },
      schemas: {
        QueueStatus: QUEUE_STATUS,
        [`${name}Input`]: input,
        [`${name}Output`]: {
          type: "object",
          properties: { images: { type: "array", title: "Images", items: { $ref: "#/components/schemas/Image" } }, seed: { type: "integer" } },
          required: ["images"],
        },
        Image: IMAGE,
        ...extraSchemas,
      },
    },
    paths: {
      [`/${endpointId}/requests/{request_id}/status`]: {
        get: {
          parameters: [requestId, { name: "logs", in: "query", required: false, schema: { type: "number" } }],
          responses: { 200: { description: "The request status.", content: { "application/json": { schema: statusRef } } } },
        },
      },
      [`/${endpointId}/requests/{request_id}/cancel`]: {
        put: { parameters: [requestId], responses: { 200: { description: "The request was cancelled." } } },
      },
      [`/${endpointId}`]: {
        post: {
          requestBody: { required: true, content: { "application/json": { schema: { $ref: `#/components/schemas/${name}Input` } } } },
          responses: { 200: { description: "The request status.", content: { "application/json": { schema: statusRef } } } },
        },
      },
      [`/${endpointId}/requests/{request_id}`]: {
        get: {
          parameters: [requestId],
          responses: { 200: { description: "Result of the request.", content: { "application/json": { schema: { $ref: `#/components/schemas/${name}Output` } } } } },
        },
      },
    },
    servers: [{ url: "https://queue.fal.run" }],
    security: [{ apiKeyAuth: [] }],
  };
}

/** A text-to-image model outside the catalog: `image_size` as ImageSize or a preset, ranges, enums. */
export const ACME_T2I = "fal-ai/acme/pixel-forge";
export const ACME_T2I_DOC = falQueueDocument(
  ACME_T2I,
  {
    "x-fal-order-properties": ["prompt", "image_size", "num_images", "guidance_scale", "seed", "output_format", "acceleration", "enable_safety_checker"],
    type: "object",
    title: "PixelForgeInput",
    properties: {
      prompt: { type: "string", title: "Prompt", examples: ["a fox"] },
      image_size: {
        anyOf: [
          { $ref: "#/components/schemas/ImageSize" },
          { enum: ["square_hd", "square", "portrait_4_3", "portrait_16_9", "landscape_4_3", "landscape_16_9"], type: "string" },
        ],
        title: "Image Size",
        default: "landscape_4_3",
      },
      num_images: { minimum: 1, maximum: 4, type: "integer", title: "Num Images", default: 1 },
      guidance_scale: { minimum: 1, maximum: 20, type: "number", title: "Guidance scale (CFG)", default: 3.5 },
      seed: { type: "integer", title: "Seed" },
      output_format: { enum: ["jpeg", "png"], type: "string", title: "Output Format", default: "jpeg" },
      acceleration: { enum: ["none", "regular", "high"], type: "string", title: "Acceleration", default: "none" },
      enable_safety_checker: { type: "boolean", title: "Enable Safety Checker", default: true },
    },
    required: ["prompt"],
  },
  { ImageSize: IMAGE_SIZE },
);

/** An edit model outside the catalog: one `input_image` (not `image_url`), ratios by enum, no num_images. */
export const ACME_EDIT = "fal-ai/acme/retouch/edit";
export const ACME_EDIT_DOC = falQueueDocument(ACME_EDIT, {
  "x-fal-order-properties": ["prompt", "input_image", "aspect_ratio", "strength"],
  type: "object",
  title: "RetouchEditInput",
  properties: {
    prompt: { type: "string", title: "Prompt" },
    input_image: { type: "string", title: "Input Image", description: "URL of the image to edit." },
    aspect_ratio: { enum: ["1:1", "16:9", "9:16", "4:3", "3:4"], type: "string", title: "Aspect Ratio", default: "1:1" },
    strength: { minimum: 0, maximum: 1, type: "number", title: "Strength", default: 0.8 },
  },
  required: ["prompt", "input_image"],
});
