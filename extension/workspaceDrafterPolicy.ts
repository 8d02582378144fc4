/**
 * Which `configspec.drafters` entries the daemon may load. A drafter is code-adjacent input: a
 * model file that llama.cpp parses natively. A repository's `.vscode/settings.json` must not be
 * able to point it at an arbitrary file, so entries that come from workspace or folder settings
 * are kept only when they are local paths inside the allowed folders (the extension's model
 * storage, and the folders of drafters the user configured in user settings), or the model-free
 * `ngram`, which reads no file. User-level entries
 * are the user's own choice and pass unchanged. Pure: the caller passes `inspect()`'s values.
 */
import { isAbsolute, relative, resolve } from "node:path";
import { z } from "zod";
import { NGRAM_DRAFTER_ID } from "../server/drafter/drafterSpec.js";

export type DrafterSettingLevel = "user" | "workspace" | "workspaceFolder";

/** The `configspec.drafters` values per level, as `WorkspaceConfiguration.inspect` reports them. */
export interface DrafterSettingLevels {
  globalValue?: unknown;
  workspaceValue?: unknown;
  workspaceFolderValue?: unknown;
}

export interface RefusedDrafter {
  entry: string;
  level: Exclude<DrafterSettingLevel, "user">;
  reason: string;
}

export interface DrafterPolicyResult {
  drafters: string[];
  /** Where the effective value came from (VS Code's precedence: folder > workspace > user). */
  level: DrafterSettingLevel;
  refused: RefusedDrafter[];
}

const DraftersSchema = z.array(z.string().trim().min(1));
const REMOTE_URI = /^(hf:|huggingface:|https?:\/\/)/i;

function isInside(folder: string, path: string): boolean {
  const rel = relative(resolve(folder), resolve(path));
  return rel !== "" && !rel.startsWith("..") && !isAbsolute(rel);
}

/** The folder of a local path entry (remote URIs have none). */
function folderOf(entry: string): string | undefined {
  return REMOTE_URI.test(entry) ? undefined : resolve(entry, "..");
}

export function applyWorkspaceDrafterPolicy(levels: DrafterSettingLevels, storageModelsDir: string): DrafterPolicyResult {
  const parse = (value: unknown): string[] | undefined => {
    const parsed = DraftersSchema.safeParse(value);
    return parsed.success ? parsed.data : undefined;
  };
  const user = parse(levels.globalValue) ?? [];
  const folderValue = parse(levels.workspaceFolderValue);
  const workspaceValue = parse(levels.workspaceValue);
  const [level, entries]: [DrafterSettingLevel, string[]] =
    folderValue !== undefined ? ["workspaceFolder", folderValue] : workspaceValue !== undefined ? ["workspace", workspaceValue] : ["user", user];
  if (level === "user") return { drafters: user, level, refused: [] };

  const allowed = [storageModelsDir, ...user.flatMap((entry) => folderOf(entry) ?? [])];
  const drafters: string[] = [];
  const refused: RefusedDrafter[] = [];
  for (const entry of entries) {
    if (entry === NGRAM_DRAFTER_ID) {
      drafters.push(entry); // model-free: it loads no file of the workspace's choosing
    } else if (REMOTE_URI.test(entry)) {
      refused.push({ entry, level, reason: "a workspace setting may not make ConfigSpec download a model; set remote drafters in user settings" });
    } else if (!isAbsolute(entry) || !allowed.some((folder) => isInside(folder, entry))) {
      refused.push({ entry, level, reason: `outside the allowed folders (${allowed.join(", ")}); set it in user settings to trust it` });
    } else {
      drafters.push(resolve(entry));
    }
  }
  return { drafters, level, refused };
}
