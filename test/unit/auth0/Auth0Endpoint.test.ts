import { describe, expect, it } from "vitest";
import { InvalidAuth0DomainError, toAuth0Endpoint } from "../../../lib/auth0/Auth0Endpoint.js";

describe("toAuth0Endpoint", () => {
  it.each([
    ["tenant.eu.auth0.com", "https://tenant.eu.auth0.com", "https://tenant.eu.auth0.com/api/v2/"],
    ["  tenant.eu.auth0.com ", "https://tenant.eu.auth0.com", "https://tenant.eu.auth0.com/api/v2/"],
    ["https://tenant.eu.auth0.com/", "https://tenant.eu.auth0.com", "https://tenant.eu.auth0.com/api/v2/"],
    ["http://127.0.0.1:4100", "http://127.0.0.1:4100", "https://127.0.0.1:4100/api/v2/"],
    ["localhost:4100", "https://localhost:4100", "https://localhost:4100/api/v2/"],
  ])("turns %j into base URL %s and audience %s", (domain, baseUrl, audience) => {
    expect(toAuth0Endpoint(domain)).toEqual({ baseUrl, audience });
  });

  it.each([
    "ftp://tenant.auth0.com",
    "https://tenant.auth0.com/api/v2",
    "https://tenant.auth0.com?x=1",
    "",
    "a b",
  ])("refuses %j with an error naming it", (domain) => {
    expect(() => toAuth0Endpoint(domain)).toThrow(InvalidAuth0DomainError);
  });
});
