/**
 * A day when every model the provider tests exercise was still served: 2026-05-01 comes before the
 * shutdowns in the catalog (dall-e 2026-05-12, Gemini 3 image previews 2026-06-25, Veo 2/3.0 2026-06-30,
 * Imagen 2026-08-17, Sora 2026-09-24, gemini-2.5-flash-image 2026-10-02, Veo 3.1 previews 2026-10-22).
 * Adapter tests that check a retired model's wire format run on this clock (such models are deprecated
 * then, not retired); lifecycle behaviour itself is tested in test/core/catalog-*.test.ts.
 */
export const SERVED_ON = (): Date => new Date("2026-05-01T00:00:00Z");
