import { PowerSourceUnavailableError, type EnergyCounterSource } from "./powerSource.js";
import type { SysfsReader } from "./sysfsReader.js";
import { errorMessageOf } from "../../util/errorMessage.js";

const POWERCAP = "class/powercap";
/** Top-level RAPL zones only: subzones (`intel-rapl:0:0` core, `:1` uncore) are inside their package. */
const TOP_LEVEL_ZONE = /^intel-rapl:\d+$/;
const MICROJOULES_PER_JOULE = 1e6;

interface RaplZone {
  dir: string;
  name: string;
  maxRangeUj: number;
}

/**
 * Linux RAPL through powercap: `energy_uj` counts µJ and wraps at `max_energy_range_uj`. Since
 * the 2020 PLATYPUS fix (CVE-2020-8694) `energy_uj` is readable by root only, so unprivileged
 * reads fail with EACCES and the source is simply not available. When a `psys` (platform) zone
 * exists it covers the packages, so it is used alone; otherwise every `package-N` is summed.
 */
export async function detectRaplSource(reader: SysfsReader): Promise<EnergyCounterSource | undefined> {
  const zones: RaplZone[] = [];
  for (const entry of await reader.list(POWERCAP)) {
    if (!TOP_LEVEL_ZONE.test(entry)) continue;
    const dir = `${POWERCAP}/${entry}`;
    try {
      const name = await reader.readText(`${dir}/name`);
      const maxRangeUj = Number(await reader.readText(`${dir}/max_energy_range_uj`));
      await reader.readText(`${dir}/energy_uj`); // EACCES without root
      if (Number.isFinite(maxRangeUj) && maxRangeUj > 0) zones.push({ dir, name, maxRangeUj });
    } catch {
      // unreadable zone: not available to this user
    }
  }
  const psys = zones.filter((z) => z.name === "psys");
  const used = psys.length > 0 ? psys : zones.filter((z) => z.name.startsWith("package"));
  if (used.length === 0) return undefined;
  return new RaplCounter(reader, used);
}

class RaplCounter implements EnergyCounterSource {
  readonly mode = "counter";
  readonly kind = "rapl";
  readonly label: string;
  readonly #last = new Map<string, number>();
  #totalUj = 0;

  constructor(
    private readonly reader: SysfsReader,
    private readonly zones: readonly RaplZone[],
  ) {
    this.label = `RAPL ${zones.map((z) => z.name).join("+")}`;
  }

  /**
   * Accumulates each zone's delta since the previous read; a negative delta is one wraparound
   * (add max_energy_range_uj). Reads must come more often than a wrap (~minutes at full load),
   * which the meter's periodic sampling guarantees.
   */
  async readJoules(): Promise<number> {
    for (const zone of this.zones) {
      let raw: number;
      try {
        raw = Number(await this.reader.readText(`${zone.dir}/energy_uj`));
      } catch (error) {
        throw new PowerSourceUnavailableError("rapl", `cannot read ${zone.dir}/energy_uj (${errorMessageOf(error)})`);
      }
      if (!Number.isFinite(raw)) throw new PowerSourceUnavailableError("rapl", `${zone.dir}/energy_uj is not a number`);
      const previous = this.#last.get(zone.dir);
      if (previous !== undefined) {
        let delta = raw - previous;
        if (delta < 0) delta += zone.maxRangeUj;
        this.#totalUj += delta;
      }
      this.#last.set(zone.dir, raw);
    }
    return this.#totalUj / MICROJOULES_PER_JOULE;
  }
}
