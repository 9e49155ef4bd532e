import { type FakeResponse, type FakeServer, type RecordedRequest, startFakeServer } from "../helpers/fake-server.js";
import { BLOCKED_WORD, type ImagesOp, handleImages } from "./openai.js";

/**
 * A strict fake of Azure OpenAI images (image-providers.md §2): `api-key` (or Entra bearer) auth,
 * deployments URLs that need a known `api-version`, the `/openai/v1` surface with the deployment in
 * `model`, Azure's error bodies (401, DeploymentNotFound, Resource not found, content filter), and
 * OpenAI's request checks for everything else.
 */

export interface AzureFakeOptions {
  apiKey?: string;
  accessToken?: string;
  /** Deployment name → the model it serves. */
  deployments?: Record<string, string>;
}

/** A prompt with this word trips the gpt-image moderation (OpenAI-style `moderation_blocked` body on Azure). */
export const MODERATION_WORD = "BLOCKME";

const DEPLOYMENT_API_VERSIONS = ["2024-02-01", "2024-10-21", "2025-04-01-preview", "2025-04-14"];
const V1_API_VERSIONS = ["v1", "preview"];

export function azureError(status: number, code: string, message: string, extra: Record<string, unknown> = {}): FakeResponse {
  return { status, json: { error: { code, message, ...extra } }, headers: { "apim-request-id": "apim-err" } };
}

const NOT_FOUND = azureError(404, "404", "Resource not found");

export async function startAzureOpenAIFake(options: AzureFakeOptions = {}): Promise<FakeServer> {
  const apiKey = options.apiKey ?? "test-key-1234567890";
  const deployments = options.deployments ?? { "gpt-image-1": "gpt-image-1", "dall-e-3": "dall-e-3" };
  let counter = 0;

  const auth = (req: RecordedRequest): FakeResponse | undefined => {
    const bearer = req.headers.authorization;
    if (options.accessToken && bearer === `Bearer ${options.accessToken}`) return undefined;
    if (req.headers["api-key"] === apiKey) return undefined;
    return azureError(
      401,
      "401",
      "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
    );
  };

  const filtered = (req: RecordedRequest, model: string): FakeResponse | undefined => {
    const prompt = typeof (req.json as { prompt?: unknown } | undefined)?.prompt === "string" ? (req.json as { prompt: string }).prompt : String(req.form?.get("prompt") ?? "");
    if (prompt.includes(MODERATION_WORD)) {
      return { status: 400, json: { error: { message: "Your request was rejected by the safety system. safety_violations=[sexual].", type: "image_generation_user_error", param: null, code: "moderation_blocked" } } };
    }
    if (!prompt.includes(BLOCKED_WORD)) return undefined;
    if (model.startsWith("dall-e")) {
      return { status: 400, json: { created: 1698435368, error: { code: "contentFilter", message: "Your task failed as a result of our safety system." } } };
    }
    return azureError(400, "content_filter", "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.", {
      param: "prompt",
      type: null,
      innererror: {
        code: "ResponsibleAIPolicyViolation",
        content_filter_result: { hate: { filtered: false, severity: "safe" }, violence: { filtered: true, severity: "high" } },
      },
    });
  };

  const answer = async (req: RecordedRequest, op: string, model: string): Promise<FakeResponse> => {
    if (!["generations", "edits"].includes(op)) return NOT_FOUND;
    const blocked = filtered(req, model);
    if (blocked) return blocked;
    const res = await handleImages(req, op as ImagesOp, () => model, (family) =>
      family === "dall-e-3" ? { content_filter_results: { violence: { filtered: false, severity: "safe" } }, prompt_filter_results: {} } : {},
    );
    return { ...res, headers: { ...res.headers, "apim-request-id": `apim-${++counter}` } };
  };

  return startFakeServer((s) => {
    s.route("POST", "/openai/deployments/:deployment/images/:op", async (req) => {
      const version = req.query.get("api-version");
      if (!version || !DEPLOYMENT_API_VERSIONS.includes(version)) return NOT_FOUND;
      const denied = auth(req);
      if (denied) return denied;
      const model = deployments[req.params.deployment!];
      if (!model) {
        return azureError(404, "DeploymentNotFound", "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.");
      }
      return answer(req, req.params.op!, model);
    });
    s.route("POST", "/openai/v1/images/:op", async (req) => {
      const version = req.query.get("api-version");
      if (version !== null && !V1_API_VERSIONS.includes(version)) return azureError(400, "BadRequest", "API version not supported");
      const denied = auth(req);
      if (denied) return denied;
      const name = typeof (req.json as { model?: unknown } | undefined)?.model === "string" ? (req.json as { model: string }).model : String(req.form?.get("model") ?? "");
      if (!name) return azureError(400, "BadRequest", "Missing required parameter: 'model'.");
      const model = deployments[name];
      if (!model) {
        return azureError(404, "DeploymentNotFound", "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.");
      }
      // OpenAI's checks see the underlying model, not the deployment name.
      return answer(req, req.params.op!, model);
    });
  });
}
