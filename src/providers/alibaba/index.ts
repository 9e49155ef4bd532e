import type { ProviderDefinition } from "../../core/provider.js";
import { ALIBABA_MODELS } from "./models.js";

/**
 * Alibaba Cloud Model Studio (DashScope). Keys are region-bound: the default host is the international
 * (Singapore) one; mainland-China keys need `baseUrl: "https://dashscope.aliyuncs.com"`.
 */
export const alibabaProvider: ProviderDefinition = {
  id: "alibaba",
  displayName: "Alibaba Cloud DashScope (Wan, Qwen-Image, Z-Image)",
  envKeys: ["DASHSCOPE_API_KEY"],
  defaultBaseUrl: "https://dashscope-intl.aliyuncs.com",
  models: ALIBABA_MODELS,
  defaultModels: { image: "wan2.2-t2i-flash" },
  load: () => import("./adapter.js").then((m) => m.adapter),
};
