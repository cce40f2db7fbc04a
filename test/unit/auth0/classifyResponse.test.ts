import { describe, expect, it } from "vitest";
import { classifyResponse, readAuth0ErrorBody } from "../../../lib/auth0/classifyResponse.js";

const rateLimit = { limit: 50, remaining: 0, resetAtMs: 1_764_439_201_000 };

describe("classifyResponse", () => {
  it.each([
    [200, "applied"],
    [201, "applied"],
    [204, "applied"],
    [400, "permanent"],
    [401, "configuration"],
    [402, "permanent"],
    [403, "permanent"],
    [404, "permanent"],
    [409, "permanent"],
    [413, "permanent"],
    [422, "permanent"],
    [301, "permanent"],
    [408, "transient"],
    [429, "throttled"],
    [500, "transient"],
    [502, "transient"],
    [503, "transient"],
    [504, "transient"],
  ])("classifies HTTP %i as %s", (status, kind) => {
    expect(classifyResponse(status, {}, undefined).kind).toBe(kind);
  });

  it("keeps Auth0's errorCode and message of a permanent failure", () => {
    expect(
      classifyResponse(
        404,
        { error: "Not Found", message: "The user does not exist.", errorCode: "inexistent_user" },
        rateLimit,
      ),
    ).toEqual({
      kind: "permanent",
      status: 404,
      errorCode: "inexistent_user",
      message: "The user does not exist.",
      rateLimit,
    });
  });

  it("leaves errorCode out when Auth0 sent none and falls back to the error name", () => {
    expect(classifyResponse(403, { error: "Forbidden" }, undefined)).toEqual({
      kind: "permanent",
      status: 403,
      message: "Forbidden",
    });
  });

  it("classifies a 403 for a missing scope as a configuration error, with Auth0's reason", () => {
    const body = {
      error: "Forbidden",
      message: "Insufficient scope, expected any of: update:authentication_methods",
      errorCode: "insufficient_scope",
    };
    expect(classifyResponse(403, body, rateLimit)).toEqual({
      kind: "configuration",
      problem: "missing-scope",
      status: 403,
      errorCode: "insufficient_scope",
      message: "Insufficient scope, expected any of: update:authentication_methods",
      rateLimit,
    });
  });

  it("describes a failure with no error body by its status", () => {
    expect(classifyResponse(503, {}, undefined)).toEqual({
      kind: "transient",
      status: 503,
      message: "HTTP 503",
    });
  });

  it("carries the reset of a 429", () => {
    expect(
      classifyResponse(
        429,
        {
          error: "Too Many Requests",
          message: "Global limit has been reached",
          errorCode: "too_many_requests",
        },
        rateLimit,
      ),
    ).toEqual({
      kind: "throttled",
      status: 429,
      errorCode: "too_many_requests",
      message: "Global limit has been reached",
      resetAtMs: rateLimit.resetAtMs,
      rateLimit,
    });
  });

  it("keeps a 2xx's rate-limit reading for the pacer", () => {
    expect(classifyResponse(200, {}, rateLimit)).toEqual({ kind: "applied", status: 200, rateLimit });
  });
});

describe("readAuth0ErrorBody", () => {
  it("reads statusCode-style bodies", () => {
    expect(
      readAuth0ErrorBody(
        '{"statusCode":400,"error":"Bad Request","message":"Payload validation error","errorCode":"invalid_body"}',
      ),
    ).toEqual({ error: "Bad Request", message: "Payload validation error", errorCode: "invalid_body" });
  });

  it.each(["<html>bad gateway</html>", "null", '"text"'])("keeps nothing of %j", (text) => {
    expect(readAuth0ErrorBody(text)).toEqual({ error: undefined, message: undefined, errorCode: undefined });
  });
});
