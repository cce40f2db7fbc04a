import { describe, expect, it } from "vitest";
import { configurationReason } from "../../../lib/apply/configurationReason.js";

describe("configurationReason", () => {
  it("says what Auth0 refused and what to fix, for each problem", () => {
    const reason = (problem: string, status: string) =>
      configurationReason({ problem, status, message: "m" });
    expect(reason("token-refused", "401")).toBe(
      "configuration error: the token endpoint refused the client (401): fix the Auth0 client secret",
    );
    expect(reason("unauthorized", "401")).toBe(
      "configuration error: Auth0 refused a fresh token (401): check the Auth0 domain and the application's client grant",
    );
    expect(reason("missing-scope", "403")).toBe(
      "configuration error: the client grant lacks update:authentication_methods (403): grant it to the application",
    );
    expect(reason("credentials", "credentials")).toBe(
      "configuration error: the client id or secret is empty: put the client id and secret in the Auth0 secret",
    );
    expect(reason("unknown", "400")).toBe("configuration error: m (400)");
  });
});
