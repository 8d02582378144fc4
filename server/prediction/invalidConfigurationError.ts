/** A configuration the profile cannot predict: unknown drafter, K beyond kMax, unprofiled threads. */
export class InvalidConfigurationError extends Error {
  constructor(
    readonly configuration: string,
    readonly reason: string,
  ) {
    super(`Invalid configuration ${configuration}: ${reason}`);
    this.name = "InvalidConfigurationError";
  }
}
