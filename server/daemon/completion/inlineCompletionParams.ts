import { z } from "zod";

const PositionSchema = z.object({ line: z.number().int().min(0), character: z.number().int().min(0) });

/** LSP 3.18 `InlineCompletionParams`, as the daemon accepts them (the context is optional here). */
export const InlineCompletionParamsSchema = z.object({
  textDocument: z.object({ uri: z.string().min(1) }),
  position: PositionSchema,
  context: z
    .object({
      /** 1 = Invoked (explicit), 2 = Automatic (typing). */
      triggerKind: z.union([z.literal(1), z.literal(2)]),
      selectedCompletionInfo: z.object({ range: z.object({ start: PositionSchema, end: PositionSchema }), text: z.string() }).optional(),
    })
    .optional(),
});
export type ParsedInlineCompletionParams = z.infer<typeof InlineCompletionParamsSchema>;

export const INVOKED_TRIGGER_KIND = 1;
