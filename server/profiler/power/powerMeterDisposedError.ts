/** A power meter used after `dispose()`. */
export class PowerMeterDisposedError extends Error {
  constructor() {
    super("The power meter was disposed; expected a live meter");
    this.name = "PowerMeterDisposedError";
  }
}
