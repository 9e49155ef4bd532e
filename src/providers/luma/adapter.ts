import type { ProviderAdapter } from "../../core/provider.js";
import { generateImage } from "./image.js";
import { cancelVideo, getVideoStatus, submitVideo } from "./video.js";

/** Photon images and Ray video jobs, both built on ./generations.ts. */
export const adapter: ProviderAdapter = { generateImage, submitVideo, getVideoStatus, cancelVideo };
