import os from "node:os";
import type { Machine } from "../profile/profileSchema.js";

/** The machine a profile was measured on (part of its validity key). */
export function describeMachine(onBattery: boolean | null): Machine {
  return {
    cpuModel: os.cpus()[0]?.model.trim() || "unknown CPU",
    cores: os.availableParallelism(),
    os: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    totalMemoryBytes: os.totalmem(),
    onBattery,
  };
}
