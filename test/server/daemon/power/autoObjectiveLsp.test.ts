// `auto` follows the live power state over a real LSP connection. Unplugging cannot be caused
// here, so the daemon's power source is a FAKE (FAKE_POWER_FILE, test/helpers/promptLookupDaemonMain.ts)
// that this test flips; the status must follow it, and the daemon must re-pick for it.
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { DaemonProcess } from "../../../helpers/daemonProcess.js";
import { tempDir } from "../../../helpers/tempDir.js";

test("unplugging (faked) shows in the status and re-picks for auto; plugging back in too", async () => {
  const powerFile = join(await tempDir(), "power");
  await writeFile(powerFile, "mains");
  const daemon = await DaemonProcess.start({ entry: "promptLookup", env: { FAKE_POWER_FILE: powerFile }, settings: { objective: "auto", debounceMs: 0 } });
  try {
    await daemon.waitForStatus("on mains", (s) => s.onBattery === false);
    await writeFile(powerFile, "battery");
    const unplugged = await daemon.waitForStatus("on battery", (s) => s.onBattery === true);
    assert.equal(unplugged.active?.objective, "auto");
    await daemon.waitForLog(/power: on battery/);
    await writeFile(powerFile, "mains");
    await daemon.waitForStatus("back on mains", (s) => s.onBattery === false);
  } finally {
    await daemon.stop();
  }
});
