import { z } from "zod";
import type { CommandRunner } from "./commandRunner.js";
import { PowerSourceUnavailableError, type PowerGaugeSource } from "./powerSource.js";

/** WMI's BatteryStatus (root/wmi) as JSON; DischargeRate is in mW. */
export const POWERSHELL_ARGS = [
  "-NoProfile",
  "-NonInteractive",
  "-Command",
  "Get-CimInstance -Namespace root/wmi -ClassName BatteryStatus | Select-Object DischargeRate,PowerOnline,Discharging | ConvertTo-Json -Compress",
] as const;

const BatteryStatusSchema = z.object({
  DischargeRate: z.number().nullable().optional(),
  PowerOnline: z.boolean().nullable().optional(),
  Discharging: z.boolean().nullable().optional(),
});
export type WmiBatteryStatus = z.infer<typeof BatteryStatusSchema>;

/** ConvertTo-Json prints one object for one battery and an array for several; nothing for none. */
export function parseWmiBatteryStatus(text: string): WmiBatteryStatus[] {
  if (text.trim() === "") return [];
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return [];
  }
  const parsed = z.union([BatteryStatusSchema, z.array(BatteryStatusSchema)]).safeParse(json);
  if (!parsed.success) return [];
  return Array.isArray(parsed.data) ? parsed.data : [parsed.data];
}

async function readWmi(run: CommandRunner): Promise<WmiBatteryStatus[]> {
  try {
    return parseWmiBatteryStatus(await run("powershell.exe", POWERSHELL_ARGS));
  } catch {
    return [];
  }
}

export async function windowsIsOnBattery(run: CommandRunner): Promise<boolean | null> {
  const batteries = await readWmi(run);
  if (batteries.length === 0) return null;
  return batteries.some((b) => b.Discharging === true && b.PowerOnline !== true);
}

/** Sum of the discharging batteries' DischargeRate (mW). */
export function wmiWatts(batteries: readonly WmiBatteryStatus[]): number | undefined {
  const discharging = batteries.filter((b) => b.Discharging === true && typeof b.DischargeRate === "number" && b.DischargeRate > 0);
  if (discharging.length === 0) return undefined;
  return discharging.reduce((sum, b) => sum + (b.DischargeRate ?? 0) / 1000, 0);
}

/** Windows battery gauge via WMI; available only while discharging. */
export async function detectWindowsBatterySource(run: CommandRunner): Promise<PowerGaugeSource | undefined> {
  if (wmiWatts(await readWmi(run)) === undefined) return undefined;
  return {
    mode: "gauge",
    kind: "wmi",
    label: "battery (WMI BatteryStatus.DischargeRate)",
    readWatts: async () => {
      const watts = wmiWatts(await readWmi(run));
      if (watts === undefined) throw new PowerSourceUnavailableError("wmi", "the battery is not discharging");
      return watts;
    },
  };
}
