/** A daemon seam whose implementation has not been connected yet (says which file to wire). */
export class ComponentNotWiredError extends Error {
  constructor(component: string, wiringFile: string) {
    super(`${component} is not wired into the daemon yet (expected an implementation in ${wiringFile})`);
    this.name = "ComponentNotWiredError";
  }
}
