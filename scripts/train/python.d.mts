/** Path of the Python to run scripts/train/*.py with; sets up .venv on first use. */
export function trainPython(): string;
/** Environment for training processes: one BLAS thread per torch thread, output unbuffered. */
export function trainEnv(extra?: Record<string, string>): NodeJS.ProcessEnv;
