/** The embedded verifier was asked for but there is no model for it to serve. */
export class NoVerifierModelError extends Error {
  constructor(manifestPath: string) {
    super(
      `no verifier configured: configspec.verifier.baseUrl is empty (embedded verifier) but no generated model family was found at ${manifestPath}; ` +
        "set configspec.verifier.baseUrl or generate the model family (ConfigSpec: Set Up Drafters → generate the model family)",
    );
    this.name = "NoVerifierModelError";
  }
}
