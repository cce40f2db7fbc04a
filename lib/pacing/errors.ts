/** An option of the {@link Pacer} is out of range; `option` names it. A `RangeError`, as it always was. */
export class PacerOptionsError extends RangeError {
  public override readonly name = "PacerOptionsError";

  public constructor(
    public readonly option: string,
    public readonly problem: string,
  ) {
    super(`${option} ${problem}`);
  }
}
