/** The venv's interpreter (it may not exist yet: call {@link ensureVenv} first). */
export function venvPython(): string;
/** Creates `.venv` from requirements.txt when it is missing or the file changed; returns its python. */
export function ensureVenv(): string;
