import { afterEach, describe, expect, it } from "vitest";
import { PhoneWorkerPool } from "../../../lib/ingest/PhoneWorkerPool.js";

describe("PhoneWorkerPool", () => {
  let pool: PhoneWorkerPool | undefined;
  afterEach(async () => {
    await pool?.close();
  });

  it("normalises a batch on a worker, keyed by the number as written", async () => {
    pool = new PhoneWorkerPool(1, "US");
    const results = await pool.normalise(["(415) 555-2671", "+447911123456", "555"]);
    expect([...results]).toEqual([
      ["(415) 555-2671", { ok: true, e164: "+14155552671" }],
      ["+447911123456", { ok: true, e164: "+447911123456" }],
      [
        "555",
        {
          ok: false,
          reason:
            "phone_number '555' is neither E.164 nor a valid US number (if the number is real, accept numbers outside the bundled plan with --phone-check e164 or the object metadata phone-check: e164)",
        },
      ],
    ]);
  });

  it("checks with Auth0's rule only when asked for e164", async () => {
    pool = new PhoneWorkerPool(1, undefined, "e164");
    expect([...(await pool.normalise(["+1 555 555 1234"]))]).toEqual([
      ["+1 555 555 1234", { ok: true, e164: "+15555551234" }],
    ]);
  });

  it("leaves out a value with a line break, and answers an empty batch", async () => {
    pool = new PhoneWorkerPool(2);
    expect([...(await pool.normalise(["+1415\n5552671"]))]).toEqual([]);
    expect([...(await pool.normalise([]))]).toEqual([]);
  });
});
