import { type FakeResponse, type FakeServer, type RecordedRequest, startFakeServer } from "../helpers/fake-server.js";
import { azureError } from "./azure-openai.js";
import { type FakeVideo, MODERATED_WORD, SLOW_WORD, addSoraRoutes, fakeMp4 } from "./openai-video.js";

/**
 * A strict fake of Sora on Azure OpenAI (video-providers.md §1a, §1b):
 * - Sora 2: OpenAI's Videos API under `/openai/v1/videos` (optional `api-version` v1|preview) and the
 *   openai-node form `/openai/videos?api-version=…`, `model` = deployment name, multipart or JSON.
 * - Sora 1: `/openai/v1/video/generations/jobs?api-version=preview`, JSON (or multipart with `files`
 *   and `inpaint_items`), queued → preprocessing → running → processing → succeeded with one
 *   generation per variant, content at `/openai/v1/video/generations/{gen}/content/video`.
 * Auth is `api-key` (or an Entra bearer token) with Azure's 401 body.
 */

export interface AzureVideoFakeOptions {
  apiKey?: string;
  accessToken?: string;
  /** Deployment name → the model it serves. */
  deployments?: Record<string, string>;
  content?: Uint8Array;
}

export interface FakeJob {
  job: Record<string, unknown> & { id: string; status: string };
  polls: number;
  deleted: boolean;
}

export type AzureSoraFake = FakeServer & { videos: Map<string, FakeVideo>; jobs: Map<string, FakeJob> };

const SORA1_SIZES = ["480x480", "720x720", "1080x1080", "1280x720", "1920x1080"];
const SORA1_FIELDS = ["model", "prompt", "width", "height", "n_seconds", "n_variants", "inpaint_items"];
const SORA1_STEPS = ["queued", "preprocessing", "running", "processing"];

const DEPLOYMENT_NOT_FOUND = azureError(
  404,
  "DeploymentNotFound",
  "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
);

export async function startAzureOpenAIVideoFake(options: AzureVideoFakeOptions = {}): Promise<AzureSoraFake> {
  const apiKey = options.apiKey ?? "test-key-1234567890";
  const deployments = options.deployments ?? { "sora-2": "sora-2", "sora-2-pro": "sora-2-pro", sora: "sora" };
  const content = options.content ?? fakeMp4();
  const videos = new Map<string, FakeVideo>();
  const jobs = new Map<string, FakeJob>();
  let counter = 0;

  const auth = (req: RecordedRequest): FakeResponse | undefined => {
    if (options.accessToken && req.headers.authorization === `Bearer ${options.accessToken}`) return undefined;
    if (req.headers["api-key"] === apiKey) return undefined;
    return azureError(
      401,
      "401",
      "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
    );
  };
  const resolveModel = (name: string | undefined): string | FakeResponse => {
    if (!name) return azureError(400, "BadRequest", "Missing required parameter: 'model'.");
    return deployments[name] ?? DEPLOYMENT_NOT_FOUND;
  };
  const v1Version = (req: RecordedRequest): FakeResponse | undefined => {
    const version = req.query.get("api-version");
    return version === null || ["v1", "preview"].includes(version) ? undefined : azureError(400, "BadRequest", "API version not supported");
  };
  const previewVersion = (req: RecordedRequest): FakeResponse | undefined => {
    const version = req.query.get("api-version");
    if (version === null) return azureError(400, "BadRequest", "Missing required query parameter 'api-version'.");
    return version === "preview" ? undefined : azureError(400, "BadRequest", "API version not supported");
  };
  const datedVersion = (req: RecordedRequest): FakeResponse | undefined =>
    req.query.get("api-version") ? undefined : azureError(404, "404", "Resource not found");

  const createJob = async (req: RecordedRequest): Promise<FakeResponse> => {
    let values: Record<string, unknown>;
    const files: File[] = [];
    if (req.contentType === "application/json" && req.json && typeof req.json === "object") values = req.json as Record<string, unknown>;
    else if (req.contentType === "multipart/form-data" && req.form) {
      values = {};
      for (const [k, v] of req.form.entries()) {
        if (typeof v === "string") values[k] = v;
        else if (k === "files") files.push(v);
        else return azureError(400, "BadRequest", `Unexpected file field '${k}'.`);
      }
    } else return azureError(415, "UnsupportedMediaType", `Unsupported content type '${req.contentType}'.`);
    for (const key of Object.keys(values)) {
      if (!SORA1_FIELDS.includes(key)) return azureError(400, "BadRequest", `Unrecognized request argument supplied: ${key}`, { param: key });
    }
    const model = resolveModel(typeof values.model === "string" ? values.model : undefined);
    if (typeof model !== "string") return model;
    if (model !== "sora") return azureError(400, "BadRequest", `The model '${model}' does not support video generation jobs.`);
    if (typeof values.prompt !== "string" || values.prompt === "") return azureError(400, "BadRequest", "Missing required parameter: 'prompt'.", { param: "prompt" });
    const width = Number(values.width);
    const height = Number(values.height);
    if (!SORA1_SIZES.includes(`${width}x${height}`)) {
      return azureError(400, "BadRequest", `Unsupported dimensions ${width}x${height}. Supported dimensions: ${SORA1_SIZES.join(", ")}.`, { param: "width" });
    }
    const seconds = Number(values.n_seconds ?? 5);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 20) return azureError(400, "BadRequest", "n_seconds must be between 1 and 20.", { param: "n_seconds" });
    const variants = Number(values.n_variants ?? 1);
    if (!Number.isInteger(variants) || variants < 1 || variants > 4) return azureError(400, "BadRequest", "n_variants must be between 1 and 4.", { param: "n_variants" });
    if (files.length > 0 || values.inpaint_items !== undefined) {
      let items: { file_name?: string; type?: string; frame_index?: number }[];
      try {
        items = JSON.parse(String(values.inpaint_items)) as typeof items;
      } catch {
        return azureError(400, "BadRequest", "inpaint_items must be a JSON array.", { param: "inpaint_items" });
      }
      const names = files.map((f) => f.name);
      if (items.length !== files.length || items.some((i) => !names.includes(String(i.file_name)) || !["image", "video"].includes(String(i.type)))) {
        return azureError(400, "BadRequest", "Each inpaint item must name an uploaded file and have type image or video.", { param: "inpaint_items" });
      }
    }
    const job = {
      object: "video.generation.job",
      id: `task_${(++counter).toString(36).padStart(26, "0")}`,
      status: "queued",
      created_at: 1748469875,
      finished_at: null,
      expires_at: null,
      generations: [] as unknown[],
      prompt: values.prompt,
      model: String(values.model),
      n_variants: variants,
      n_seconds: seconds,
      height,
      width,
      failure_reason: null,
    };
    jobs.set(job.id, { job, polls: 0, deleted: false });
    return { status: 201, json: job, headers: { "apim-request-id": `apim-${counter}` } };
  };

  const pollJob = (found: FakeJob): void => {
    const j = found.job;
    found.polls++;
    if (["succeeded", "failed", "cancelled"].includes(j.status)) return;
    const prompt = String(j.prompt);
    if (prompt.includes(SLOW_WORD)) {
      j.status = "running";
      return;
    }
    const step = SORA1_STEPS[found.polls - 1];
    if (step) {
      j.status = step;
      return;
    }
    if (prompt.includes(MODERATED_WORD)) Object.assign(j, { status: "failed", failure_reason: "input_moderation", finished_at: 1748469999 });
    else {
      const n = Number(j.n_variants);
      Object.assign(j, {
        status: "succeeded",
        finished_at: 1748469999,
        generations: Array.from({ length: n }, (_, i) => ({ object: "video.generation", id: `gen_${j.id.slice(5)}_${i}`, job_id: j.id, created_at: 1748469999, width: j.width, height: j.height, n_seconds: j.n_seconds, prompt })),
      });
    }
  };

  const server = await startFakeServer((s) => {
    const common = { auth, resolveModel, acceptJson: true, content, videos };
    addSoraRoutes(s, { prefix: "/openai/v1", checkQuery: v1Version, ...common });
    addSoraRoutes(s, { prefix: "/openai", checkQuery: datedVersion, ...common });

    const guard = (req: RecordedRequest) => previewVersion(req) ?? auth(req);
    const findJob = (req: RecordedRequest): FakeJob | FakeResponse => {
      const found = jobs.get(req.params.id!);
      return found && !found.deleted ? found : azureError(404, "NotFound", `The job '${req.params.id}' was not found.`);
    };
    s.route("POST", "/openai/v1/video/generations/jobs", async (req) => guard(req) ?? createJob(req));
    s.route("GET", "/openai/v1/video/generations/jobs/:id", async (req) => {
      const denied = guard(req);
      if (denied) return denied;
      const found = findJob(req);
      if (!("job" in found)) return found;
      pollJob(found);
      return { status: 200, json: found.job };
    });
    s.route("DELETE", "/openai/v1/video/generations/jobs/:id", async (req) => {
      const denied = guard(req);
      if (denied) return denied;
      const found = findJob(req);
      if (!("job" in found)) return found;
      found.deleted = true;
      return { status: 204 };
    });
    s.route("GET", "/openai/v1/video/generations/:gen/content/video", async (req) => {
      const denied = guard(req);
      if (denied) return denied;
      const known = [...jobs.values()].some((j) => (j.job.generations as { id: string }[]).some((g) => g.id === req.params.gen));
      if (!known) return azureError(404, "NotFound", `Generation '${req.params.gen}' was not found.`);
      return { status: 200, body: content, headers: { "content-type": "video/mp4" }, chunkBytes: 64 * 1024 };
    });
  });
  return Object.assign(server, { videos, jobs });
}
