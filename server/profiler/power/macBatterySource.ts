import type { CommandRunner } from "./commandRunner.js";
import { PowerSourceUnavailableError, type PowerGaugeSource } from "./powerSource.js";

export const IOREG_ARGS = ["-rw0", "-c", "AppleSmartBattery"] as const;
const TWO_TO_64 = 2n ** 64n;
const TWO_TO_63 = 2n ** 63n;

export interface IoregBattery {
  voltageMv: number;
  /** Signed: negative while discharging. */
  amperageMa: number;
  externalConnected: boolean;
}

/**
 * Reads the top-level keys of `ioreg -rw0 -c AppleSmartBattery`. `Amperage` is a signed 64-bit
 * value that some macOS versions print as its unsigned two's complement (18446744073709550000…),
 * so it is read as a BigInt and folded back. Nested dictionaries print on one line, so only
 * lines that are exactly `"Key" = value` are top-level keys.
 */
export function parseIoregBattery(text: string): IoregBattery | undefined {
  const value = (key: string): string | undefined => new RegExp(`^\\s*"${key}" = (.+?)\\s*$`, "m").exec(text)?.[1];
  const voltage = value("Voltage");
  const amperage = value("InstantAmperage") ?? value("Amperage");
  const external = value("ExternalConnected");
  if (voltage === undefined || amperage === undefined || !/^\d+$/.test(voltage) || !/^-?\d+$/.test(amperage)) return undefined;
  let amps = BigInt(amperage);
  if (amps >= TWO_TO_63) amps -= TWO_TO_64;
  return { voltageMv: Number(voltage), amperageMa: Number(amps), externalConnected: external === "Yes" };
}

/** System draw while discharging: Voltage (mV) × |Amperage| (mA). */
export function ioregWatts(battery: IoregBattery): number {
  return (battery.voltageMv / 1000) * (Math.abs(battery.amperageMa) / 1000);
}

async function readIoreg(run: CommandRunner): Promise<IoregBattery | undefined> {
  try {
    return parseIoregBattery(await run("ioreg", IOREG_ARGS));
  } catch {
    return undefined;
  }
}

export async function macIsOnBattery(run: CommandRunner): Promise<boolean | null> {
  const battery = await readIoreg(run);
  return battery ? !battery.externalConnected : null;
}

/** macOS battery gauge via ioreg; available only while discharging on battery. */
export async function detectMacBatterySource(run: CommandRunner): Promise<PowerGaugeSource | undefined> {
  const battery = await readIoreg(run);
  if (!battery || battery.externalConnected || battery.amperageMa >= 0) return undefined;
  return {
    mode: "gauge",
    kind: "ioreg",
    label: "battery (ioreg AppleSmartBattery)",
    readWatts: async () => {
      const now = await readIoreg(run);
      if (!now || now.externalConnected || now.amperageMa >= 0) throw new PowerSourceUnavailableError("ioreg", "the battery is not discharging");
      return ioregWatts(now);
    },
  };
}
