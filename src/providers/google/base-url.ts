/** The Gemini API's root; kept apart so the provider definition loads without the adapter code. */
export const GEMINI_DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com";
