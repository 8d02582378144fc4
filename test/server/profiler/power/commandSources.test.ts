import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { CommandRunner } from "../../../../server/profiler/power/commandRunner.js";
import { detectMacBatterySource, ioregWatts, macIsOnBattery, parseIoregBattery } from "../../../../server/profiler/power/macBatterySource.js";
import { PowerMeter } from "../../../../server/profiler/power/powerMeter.js";
import { detectWindowsBatterySource, parseWmiBatteryStatus, windowsIsOnBattery, wmiWatts } from "../../../../server/profiler/power/windowsBatterySource.js";

/*
 * ioreg and powershell do not exist on this Linux machine: the sources run against a fake
 * command runner that answers with text in the commands' real output formats.
 */
const ioregOutput = (amperage: string, external: "Yes" | "No") => `+-o AppleSmartBattery  <class AppleSmartBattery, id 0x100000253, registered, matched, active, busy 0 (0 ms), retain 7>
    {
      "PostChargeWaitSeconds" = 120
      "BatteryData" = {"Voltage"=11000,"Amperage"=5,"DesignCapacity"=6075}
      "ExternalConnected" = ${external}
      "Amperage" = ${amperage}
      "InstantAmperage" = ${amperage}
      "Voltage" = 12540
      "IsCharging" = No
    }
`;
const runner = (outputs: Record<string, string>): CommandRunner => async (file) => {
  const out = outputs[file];
  if (out === undefined) throw Object.assign(new Error(`spawn ${file} ENOENT`), { code: "ENOENT" });
  return out;
};

describe("macOS ioreg", () => {
  test("reads Voltage × signed Amperage, folding the unsigned 64-bit print back to negative", () => {
    const battery = parseIoregBattery(ioregOutput("18446744073709550616", "No")); // 2^64 − 1000
    assert.deepEqual(battery, { voltageMv: 12540, amperageMa: -1000, externalConnected: false });
    assert.ok(battery && Math.abs(ioregWatts(battery) - 12.54) < 1e-9);
    assert.equal(parseIoregBattery(ioregOutput("-850", "No"))?.amperageMa, -850);
    assert.equal(parseIoregBattery("no battery here"), undefined);
  });

  test("is a source only while discharging; ExternalConnected says whether on battery", async () => {
    const discharging = runner({ ioreg: ioregOutput("-1000", "No") });
    assert.equal(await macIsOnBattery(discharging), true);
    const source = await detectMacBatterySource(discharging);
    assert.equal(await source?.readWatts(), 12.54);
    const plugged = runner({ ioreg: ioregOutput("1500", "Yes") });
    assert.equal(await macIsOnBattery(plugged), false);
    assert.equal(await detectMacBatterySource(plugged), undefined);
    assert.equal(await macIsOnBattery(runner({})), null);
    using meter = await PowerMeter.detect({ platform: "darwin", runCommand: discharging });
    assert.equal(meter.kind, "ioreg");
  });
});

describe("Windows WMI", () => {
  test("parses one battery, several, or none; DischargeRate is mW", () => {
    const one = parseWmiBatteryStatus('{"DischargeRate":14250,"PowerOnline":false,"Discharging":true}');
    assert.equal(wmiWatts(one), 14.25);
    const two = parseWmiBatteryStatus('[{"DischargeRate":5000,"PowerOnline":false,"Discharging":true},{"DischargeRate":0,"PowerOnline":false,"Discharging":false}]');
    assert.equal(wmiWatts(two), 5);
    assert.deepEqual(parseWmiBatteryStatus(""), []);
    assert.deepEqual(parseWmiBatteryStatus("Get-CimInstance : Not supported"), []);
    assert.equal(wmiWatts(parseWmiBatteryStatus('{"DischargeRate":0,"PowerOnline":true,"Discharging":false}')), undefined);
  });

  test("detects the gauge while discharging and tells the power state", async () => {
    const discharging = runner({ "powershell.exe": '{"DischargeRate":14250,"PowerOnline":false,"Discharging":true}' });
    assert.equal(await windowsIsOnBattery(discharging), true);
    assert.equal(await (await detectWindowsBatterySource(discharging))?.readWatts(), 14.25);
    assert.equal(await windowsIsOnBattery(runner({ "powershell.exe": '{"DischargeRate":0,"PowerOnline":true,"Discharging":false}' })), false);
    assert.equal(await windowsIsOnBattery(runner({})), null);
    using meter = await PowerMeter.detect({ platform: "win32", runCommand: discharging });
    assert.equal(meter.kind, "wmi");
    assert.equal(await meter.isOnBattery(), true);
  });
});
