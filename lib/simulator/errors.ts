/** An option of the Auth0 simulator is out of range; thrown by `startAuth0Simulator` and the setters. */
export class SimulatorOptionsError extends Error {
  override readonly name = "SimulatorOptionsError";

  constructor(
    /** The option at fault, e.g. `rps` or `faults.errorRate`. */
    readonly option: string,
    /** What is wrong with it. */
    readonly problem: string,
  ) {
    super(`invalid simulator option ${option}: ${problem}`);
  }
}
