/**
 * Messages between the configuration panel's webview and the extension. Everything the
 * webview sends is parsed with {@link PanelRequestSchema} before it is acted on.
 */
import { z } from "zod";
import { ActiveConfigurationSchema, ObjectiveSchema, ProfileViewSchema, ServerStatusNotification } from "../../server/lspContract.js";

/** Webview → extension. */
export const PanelRequestSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready") }),
  z.object({ type: z.literal("setObjective"), objective: ObjectiveSchema }),
  z.object({ type: z.literal("reprofile") }),
  z.object({ type: z.literal("refresh") }),
]);
export type PanelRequest = z.infer<typeof PanelRequestSchema>;

/** Extension → webview: everything the panel renders, sent whole on every change. */
export const PanelStateSchema = z.object({
  type: z.literal("state"),
  objective: ObjectiveSchema,
  profile: ProfileViewSchema.nullable(),
  active: ActiveConfigurationSchema.nullable(),
  status: ServerStatusNotification.params.nullable(),
  /** Set while a profile runs: the latest progress message. */
  profiling: z.object({ message: z.string(), percentage: z.number().nullable() }).nullable(),
  /** Why the data could not be fetched (server not running, request failed). */
  error: z.string().nullable(),
});
export type PanelState = z.infer<typeof PanelStateSchema>;
