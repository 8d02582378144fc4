// The Python that training and the Hugging Face export run with: the project venv (.venv, from
// requirements.txt, created once by scripts/python/ensureVenv.mjs), or CONFIGSPEC_PYTHON when set.
import { ensureVenv } from "../python/ensureVenv.mjs";

/** Path of the Python to run scripts/train/*.py with; sets up .venv on first use. */
export function trainPython() {
  return process.env.CONFIGSPEC_PYTHON || ensureVenv();
}

/** Environment for training processes: one BLAS thread per torch thread, output unbuffered. */
export function trainEnv(extra = {}) {
  return { OPENBLAS_NUM_THREADS: "1", PYTHONUNBUFFERED: "1", ...process.env, ...extra };
}
