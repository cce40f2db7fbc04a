import { describe, expect, it } from "vitest";
import { InvalidCredentialsSecretError, parseAuth0Credentials } from "../../../lib/auth0/credentials.js";

describe("parseAuth0Credentials", () => {
  it("reads clientId and clientSecret from the SecretString", () => {
    expect(parseAuth0Credentials('{"clientId":"abc","clientSecret":"s3cr3t-value","note":"x"}')).toEqual({
      clientId: "abc",
      clientSecret: "s3cr3t-value",
    });
  });

  it.each([
    [undefined, "has no SecretString"],
    ["s3cr3t-value", "is not JSON"],
    ['{"clientSecret":"s3cr3t-value"}', "has no clientId"],
    ['{"clientId":"abc","clientSecret":""}', "has no clientSecret"],
    ["[]", "has no clientId"],
  ])("refuses %j because it %s, without quoting it", (secretString, problem) => {
    const error = (() => {
      try {
        parseAuth0Credentials(secretString);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(InvalidCredentialsSecretError);
    expect(error).toMatchObject({ problem });
    expect((error as Error).message).not.toContain("s3cr3t-value");
  });
});
