import type { AdapterContext } from "../../core/provider.js";
import { dashScopeHttp, throwIfErrorBody } from "./tasks.js";

/** The synchronous, chat-shaped endpoint that Qwen-Image, Z-Image and Wan 2.6+ answer on. */
export const MULTIMODAL_PATH = "/api/v1/services/aigc/multimodal-generation/generation";

export interface MultimodalResponse {
  request_id?: string;
  output?: {
    choices?: {
      finish_reason?: string;
      message?: { role?: string; content?: { image?: string; text?: string }[] };
    }[];
    task_metric?: Record<string, number>;
  };
  usage?: { width?: number; height?: number; image_count?: number; [key: string]: unknown };
}

export async function generateMultimodal(ctx: AdapterContext, body: unknown): Promise<MultimodalResponse> {
  // No X-DashScope-Async here: this endpoint answers in one call.
  const res = await dashScopeHttp(ctx).json<MultimodalResponse>(MULTIMODAL_PATH, { json: body });
  throwIfErrorBody(ctx, res, "generation");
  return res;
}
