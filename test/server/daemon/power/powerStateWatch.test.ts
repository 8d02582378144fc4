// The `auto` objective follows the live power state. Unplugging a machine cannot be caused
// from a test, so the power source here is a FAKE whose answer the test flips: what is checked
// is everything after the read (change detection, polling, failures read as "cannot tell").
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { PowerStateWatch } from "../../../../server/daemon/power/powerStateWatch.js";

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await delay(10);
}

/** A fake power source: plugged in until the test says otherwise. */
function fakePowerSource() {
  let state: boolean | null = false;
  let failing = false;
  return {
    read: async () => {
      if (failing) throw new Error("ioreg: command not found");
      return state;
    },
    unplug: () => void (state = true),
    plugIn: () => void (state = false),
    fail: () => void (failing = true),
  };
}

describe("PowerStateWatch (fake power source: unplugging cannot be caused here)", () => {
  it("reports the first state, then only changes, as the fake flips", async () => {
    const power = fakePowerSource();
    const seen: (boolean | null)[] = [];
    const watch = new PowerStateWatch({ read: power.read, onChange: (s) => seen.push(s), pollMs: 10 });
    try {
      await watch.start();
      assert.deepEqual(seen, [false]);
      power.unplug();
      await until(() => watch.onBattery === true);
      assert.equal(watch.onBattery, true);
      power.plugIn();
      await until(() => watch.onBattery === false);
      await delay(50); // more polls, no change: nothing more reported
      assert.deepEqual(seen, [false, true, false]);
    } finally {
      watch.dispose();
    }
  });

  it("a failing read means cannot tell (null), not a crash; nothing is read after dispose", async () => {
    const power = fakePowerSource();
    const seen: (boolean | null)[] = [];
    const watch = new PowerStateWatch({ read: power.read, onChange: (s) => seen.push(s), pollMs: 60_000 });
    await watch.start();
    power.fail();
    await watch.refresh();
    assert.deepEqual(seen, [false, null]);
    watch.dispose();
    power.unplug();
    await watch.refresh();
    assert.deepEqual(seen, [false, null]);
  });
});
