import type { ProviderAdapter } from "../../core/provider.js";
import { generateImage } from "./image.js";

/** Photon images; Ray video adds its job methods here, built on ./generations.ts. */
export const adapter: ProviderAdapter = { generateImage };
