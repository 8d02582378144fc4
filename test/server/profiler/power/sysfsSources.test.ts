import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { detectLinuxBatterySource, linuxIsOnBattery } from "../../../../server/profiler/power/linuxBatterySource.js";
import { PowerMeter } from "../../../../server/profiler/power/powerMeter.js";
import { detectRaplSource } from "../../../../server/profiler/power/raplSource.js";
import { sysfsReader, type SysfsReader } from "../../../../server/profiler/power/sysfsReader.js";

/*
 * The kernel's /sys/class/powercap and /sys/class/power_supply files cannot be created here (no
 * RAPL or battery in this VM), so these tests point the sources at a temporary folder laid out
 * like sysfs, with the same file names, units (µJ, µW, µA, µV) and status strings.
 */
const roots: string[] = [];
after(() => Promise.all(roots.map((r) => rm(r, { recursive: true, force: true }))));

async function fakeSysfs(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "configspec-sysfs-"));
  roots.push(root);
  await writeFiles(root, files);
  return root;
}

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), `${text}\n`);
  }
}

const zone = (n: string, name: string, energyUj: number, maxUj = 262_143_328_850) => ({
  [`class/powercap/intel-rapl:${n}/name`]: name,
  [`class/powercap/intel-rapl:${n}/energy_uj`]: String(energyUj),
  [`class/powercap/intel-rapl:${n}/max_energy_range_uj`]: String(maxUj),
});

describe("RAPL", () => {
  test("sums the package zones, ignores subzones, and unwraps the counter", async () => {
    const root = await fakeSysfs({ ...zone("0", "package-0", 999_000, 1_000_000), ...zone("0:0", "core", 5), ...zone("1", "package-1", 10) });
    const source = await detectRaplSource(sysfsReader(root));
    assert.ok(source);
    assert.equal(source.label, "RAPL package-0+package-1");
    const first = await source.readJoules();
    await writeFiles(root, { ...zone("0", "package-0", 500, 1_000_000), ...zone("0:0", "core", 9_000_000), ...zone("1", "package-1", 2_000_010) });
    // package-0 wrapped: 1 000 000 − 999 000 + 500 = 1 500 µJ; package-1: 2 000 000 µJ.
    assert.equal((await source.readJoules()) - first, 2.0015);
  });

  test("uses the platform (psys) zone alone when there is one", async () => {
    const root = await fakeSysfs({ ...zone("0", "package-0", 1), ...zone("1", "psys", 1) });
    assert.equal((await detectRaplSource(sysfsReader(root)))?.label, "RAPL psys");
  });

  test("energy_uj that only root may read (EACCES) means not available", async () => {
    // Tests run as root here, and root reads a chmod 000 file anyway, so the kernel's EACCES is
    // produced by wrapping the reader rather than by file permissions.
    const root = await fakeSysfs(zone("0", "package-0", 1));
    const real = sysfsReader(root);
    const denying: SysfsReader = {
      ...real,
      readText: async (path) => {
        if (path.endsWith("energy_uj")) throw Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: "EACCES" });
        return real.readText(path);
      },
    };
    assert.equal(await detectRaplSource(denying), undefined);
    using meter = await PowerMeter.detect({ sysfs: denying, platform: "linux" });
    assert.equal(meter.kind, "estimate");
  });
});

describe("Linux battery", () => {
  test("power_now (µW) or current_now (µA) × voltage_now (µV), discharging batteries only", async () => {
    const root = await fakeSysfs({
      "class/power_supply/AC/type": "Mains",
      "class/power_supply/AC/online": "0",
      "class/power_supply/BAT0/type": "Battery",
      "class/power_supply/BAT0/status": "Discharging",
      "class/power_supply/BAT0/power_now": "9500000",
      "class/power_supply/BAT1/type": "Battery",
      "class/power_supply/BAT1/status": "Discharging",
      "class/power_supply/BAT1/current_now": "250000",
      "class/power_supply/BAT1/voltage_now": "12000000",
      "class/power_supply/hidpp_battery_0/type": "Battery",
      "class/power_supply/hidpp_battery_0/scope": "Device",
      "class/power_supply/hidpp_battery_0/status": "Discharging",
      "class/power_supply/hidpp_battery_0/power_now": "1000000",
    });
    const reader = sysfsReader(root);
    assert.equal(await linuxIsOnBattery(reader), true);
    const source = await detectLinuxBatterySource(reader);
    assert.ok(source);
    assert.equal(await source.readWatts(), 9.5 + 0.25 * 12);
    using meter = await PowerMeter.detect({ sysfsRoot: root, platform: "linux", sampleIntervalMs: 10 });
    assert.equal(meter.kind, "battery");
    const { power } = await meter.measure(() => new Promise((resolve) => setTimeout(resolve, 60)));
    assert.ok(Math.abs(power.watts - 12.5) < 1e-9, `${power.watts} W`);
    assert.ok(Math.abs(power.joules - (12.5 * power.durationMs) / 1000) < 0.05 * power.joules);
    assert.ok(power.samples >= 3);
  });

  test("on mains the battery does not measure the system: not available, not on battery", async () => {
    const root = await fakeSysfs({
      "class/power_supply/ACAD/type": "Mains",
      "class/power_supply/ACAD/online": "1",
      "class/power_supply/BAT0/type": "Battery",
      "class/power_supply/BAT0/status": "Charging",
      "class/power_supply/BAT0/power_now": "30000000",
    });
    const reader = sysfsReader(root);
    assert.equal(await linuxIsOnBattery(reader), false);
    assert.equal(await detectLinuxBatterySource(reader), undefined);
  });

  test("a desktop with no power supplies cannot tell", async () => {
    assert.equal(await linuxIsOnBattery(sysfsReader(await fakeSysfs({}))), null);
  });
});
