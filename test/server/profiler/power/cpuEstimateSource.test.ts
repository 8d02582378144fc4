import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, test } from "node:test";
import { ESTIMATE_BASE_WATTS, ESTIMATE_WATTS_PER_BUSY_CORE, cpuEstimateSource } from "../../../../server/profiler/power/cpuEstimateSource.js";
import { PowerMeter } from "../../../../server/profiler/power/powerMeter.js";
import { PowerMeterDisposedError } from "../../../../server/profiler/power/powerMeterDisposedError.js";

// The estimate is the one source every machine has: measured for real, with this process's CPU time.
const emptySysfs = await mkdtemp(join(tmpdir(), "configspec-nosysfs-"));
after(() => rm(emptySysfs, { recursive: true, force: true }));

function spin(ms: number): number {
  const end = performance.now() + ms;
  let x = 0;
  while (performance.now() < end) x += Math.sqrt(x + 1);
  return x;
}

test("without a readable meter the meter falls back to the labelled CPU-time estimate", async () => {
  using meter = await PowerMeter.detect({ sysfsRoot: emptySysfs, platform: "linux" });
  assert.equal(meter.kind, "estimate");
  assert.match(meter.label, /^estimate: 5 W per busy core \(process CPU time\) \+ 8 W base$/);
  assert.equal(await meter.isOnBattery(), null, "no power supplies: unknown");
});

test("a busy core measures about one core's watts above an idle wait", async () => {
  using meter = await PowerMeter.detect({ sysfsRoot: emptySysfs, platform: "linux", sampleIntervalMs: 50 });
  const idle = (await meter.measure(() => sleep(150))).power;
  const busy = await meter.measure(() => spin(150));
  assert.ok(busy.result > 0);
  assert.ok(idle.watts >= ESTIMATE_BASE_WATTS - 0.01 && idle.watts < ESTIMATE_BASE_WATTS + ESTIMATE_WATTS_PER_BUSY_CORE * 0.5, `idle ${idle.watts} W`);
  // On a shared 2-core machine the loop may be descheduled; CPU time still counts only what it got.
  assert.ok(busy.power.watts - idle.watts > ESTIMATE_WATTS_PER_BUSY_CORE * 0.25, `busy ${busy.power.watts} W vs idle ${idle.watts} W`);
  assert.ok(busy.power.watts < ESTIMATE_BASE_WATTS + ESTIMATE_WATTS_PER_BUSY_CORE * 2.5, "one thread cannot use much more than a core");
  assert.ok(Math.abs(busy.power.joules - (busy.power.watts * busy.power.durationMs) / 1000) < 0.2 * busy.power.joules, "joules ≈ watts × duration");
  assert.ok(busy.power.samples >= 2);
});

test("the counter is base watts × wall time + per-core watts × CPU time", async () => {
  let now = 0;
  let cpu = 0;
  const source = cpuEstimateSource({ now: () => now, cpuUsage: () => ({ user: cpu, system: 0 }), baseWatts: 4, wattsPerBusyCore: 6 });
  const start = await source.readJoules();
  now += 2000;
  cpu += 1_000_000;
  assert.equal((await source.readJoules()) - start, 4 * 2 + 6 * 1);
});

test("a failing measured function cancels its session; a disposed meter refuses work", async () => {
  const meter = await PowerMeter.detect({ sysfsRoot: emptySysfs, platform: "linux" });
  await assert.rejects(meter.measure(() => Promise.reject(new Error("work failed"))), /work failed/);
  meter.dispose();
  assert.throws(() => meter.start(), PowerMeterDisposedError);
});
