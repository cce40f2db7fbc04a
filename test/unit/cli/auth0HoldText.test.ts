import { describe, expect, it } from "vitest";
import { auth0HoldText } from "../../../cli/auth0HoldText.js";

const since = new Date(2026, 11, 1, 12, 3, 10).getTime();

describe("auth0HoldText", () => {
  it("says since when Auth0 is unavailable, how often it is retried, and that nothing is lost", () => {
    expect(
      auth0HoldText({
        reason: "unavailable",
        sinceMs: since,
        status: "503",
        message: "x",
        probeIntervalMs: 30_000,
      }),
    ).toBe("Auth0 unavailable since 12:03:10 (503), retrying every 30 s; nothing is lost");
  });

  it.each([
    ["token-refused", "401", "paused: the token endpoint refused the client (401): fix AUTH0_CLIENT_SECRET"],
    [
      "missing-scope",
      "403",
      "paused: the client grant lacks update:authentication_methods (403): grant it to the application",
    ],
    [
      "credentials",
      "credentials",
      "paused: the client id or secret is empty: set AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET",
    ],
  ])("says what to fix for %s", (problem, status, text) => {
    expect(
      auth0HoldText({
        reason: "configuration",
        problem,
        sinceMs: since,
        status,
        message: "m",
        probeIntervalMs: 30_000,
      }),
    ).toBe(`${text}; retrying every 30 s, nothing is lost`);
  });
});
