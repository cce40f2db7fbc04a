import { describe, expect, it } from "vitest";
import { childLogger } from "../../../lib/logging/childLogger.js";
import type { Logger } from "../../../lib/logging/Logger.js";
import { capturedLogger } from "../../helpers/capturedLogger.js";

describe("childLogger", () => {
  it("puts the bindings on every line of a pino logger, and its parent's lines stay without them", () => {
    const { logger, lines } = capturedLogger();
    const child = childLogger(logger, { requestId: "req-1" });
    const grandchild = childLogger(child, { jobId: "job-9" });
    child.info({ records: 10 }, "batch received");
    grandchild.warn({ userId: "auth0|a" }, "dead-lettered");
    logger.info({}, "container started");

    const parsed = lines().map((line) => {
      const { time, level, ...rest } = JSON.parse(line) as Record<string, unknown>;
      return rest;
    });
    expect(parsed).toEqual([
      { requestId: "req-1", records: 10, msg: "batch received" },
      { requestId: "req-1", jobId: "job-9", userId: "auth0|a", msg: "dead-lettered" },
      { msg: "container started" },
    ]);
  });

  it("still redacts secrets on a child's lines", () => {
    const { logger, lines } = capturedLogger();
    childLogger(logger, { requestId: "req-1" }).info({ totp_secret: "JBSWY3DPEHPK3PXP" }, "oops");
    expect(lines().join("\n")).not.toContain("JBSWY3DPEHPK3PXP");
  });

  it("wraps a logger that cannot make children, the line's own fields first", () => {
    const calls: [string, object, string | undefined][] = [];
    const record =
      (level: string) =>
      (fields: object, message?: string): void => {
        calls.push([level, fields, message]);
      };
    const plain: Logger = {
      debug: record("debug"),
      info: record("info"),
      warn: record("warn"),
      error: record("error"),
    };
    const child = childLogger(plain, { requestId: "req-2", jobId: "job-1" });
    child.debug({ a: 1 }, "d");
    child.info({ jobId: "job-2" }, "i");
    child.warn({}, "w");
    child.error({ b: 2 });
    expect(calls).toEqual([
      ["debug", { requestId: "req-2", jobId: "job-1", a: 1 }, "d"],
      ["info", { requestId: "req-2", jobId: "job-2" }, "i"],
      ["warn", { requestId: "req-2", jobId: "job-1" }, "w"],
      ["error", { requestId: "req-2", jobId: "job-1", b: 2 }, undefined],
    ]);
  });
});
