import { PowerSourceUnavailableError, type PowerGaugeSource } from "./powerSource.js";
import { readInteger, readOptional, type SysfsReader } from "./sysfsReader.js";

const POWER_SUPPLY = "class/power_supply";
const MICRO = 1e6;

interface Supply {
  dir: string;
  type: string | undefined;
  status: string | undefined;
  online: number | undefined;
}

async function supplies(reader: SysfsReader): Promise<Supply[]> {
  const found: Supply[] = [];
  for (const entry of await reader.list(POWER_SUPPLY)) {
    const dir = `${POWER_SUPPLY}/${entry}`;
    const scope = await readOptional(reader, `${dir}/scope`);
    if (scope === "Device") continue; // a mouse's or headset's battery, not the system's
    found.push({ dir, type: await readOptional(reader, `${dir}/type`), status: await readOptional(reader, `${dir}/status`), online: await readInteger(reader, `${dir}/online`) });
  }
  return found;
}

function isSystemBattery(supply: Supply): boolean {
  return supply.type === "Battery" || /\/BAT\w*$/.test(supply.dir);
}

/**
 * Whether the machine runs on battery: a system battery discharging → true; a mains adapter
 * online or batteries charging/full → false; no power supplies at all → null (unknown).
 */
export async function linuxIsOnBattery(reader: SysfsReader): Promise<boolean | null> {
  const all = await supplies(reader);
  const batteries = all.filter(isSystemBattery);
  if (batteries.some((b) => b.status === "Discharging")) return true;
  if (all.some((s) => !isSystemBattery(s) && s.online === 1)) return false;
  if (batteries.length > 0 && batteries.every((b) => b.status !== undefined)) return false;
  return null;
}

/**
 * System draw from the discharging batteries' sysfs: `power_now` (µW) or, where the firmware
 * only reports current, `current_now` (µA) × `voltage_now` (µV). Only meaningful while
 * discharging (while charging these are the charge rate), so otherwise it is not available.
 */
export async function detectLinuxBatterySource(reader: SysfsReader): Promise<PowerGaugeSource | undefined> {
  const batteries = (await supplies(reader)).filter(isSystemBattery);
  if (!batteries.some((b) => b.status === "Discharging")) return undefined;
  const source = new LinuxBatteryGauge(reader, batteries.map((b) => b.dir));
  try {
    await source.readWatts();
  } catch {
    return undefined;
  }
  return source;
}

class LinuxBatteryGauge implements PowerGaugeSource {
  readonly mode = "gauge";
  readonly kind = "battery";
  readonly label: string;

  constructor(
    private readonly reader: SysfsReader,
    private readonly dirs: readonly string[],
  ) {
    this.label = `battery ${dirs.map((d) => d.slice(d.lastIndexOf("/") + 1)).join("+")} (sysfs)`;
  }

  async readWatts(): Promise<number> {
    let watts = 0;
    let discharging = 0;
    for (const dir of this.dirs) {
      if ((await readOptional(this.reader, `${dir}/status`)) !== "Discharging") continue;
      discharging++;
      const powerUw = await readInteger(this.reader, `${dir}/power_now`);
      if (powerUw !== undefined) {
        watts += Math.abs(powerUw) / MICRO;
        continue;
      }
      const currentUa = await readInteger(this.reader, `${dir}/current_now`);
      const voltageUv = await readInteger(this.reader, `${dir}/voltage_now`);
      if (currentUa === undefined || voltageUv === undefined) {
        throw new PowerSourceUnavailableError("battery", `${dir} has neither power_now nor current_now and voltage_now`);
      }
      watts += (Math.abs(currentUa) / MICRO) * (voltageUv / MICRO);
    }
    if (discharging === 0) throw new PowerSourceUnavailableError("battery", "no battery is discharging (on mains power the battery does not measure the system)");
    return watts;
  }
}
