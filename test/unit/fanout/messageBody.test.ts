import { describe, expect, it } from "vitest";
import { toMessageBody } from "../../../lib/fanout/messageBody.js";
import { parseUserFactorsMessage, toUserFactorsMessage } from "../../../lib/messages/UserFactorsMessage.js";
import { makeUserFactors } from "../../helpers/userFactors.js";

const source = { bucket: "b", key: "incoming/users.csv" };

describe("toMessageBody", () => {
  it("is the JSON of the user's message", () => {
    const user = makeUserFactors(1);
    expect(toMessageBody(user, source)).toBe(JSON.stringify(toUserFactorsMessage(user, source)));
  });

  it("escapes U+FFFE and U+FFFF, which SQS refuses, keeping the parsed message equal", () => {
    const user = makeUserFactors(1, {
      methods: [{ type: "totp", totp_secret: "JBSWY3DPEHPK3PXP", name: "a\uFFFEb\uFFFFc\u0001é😀" }],
    });
    const body = toMessageBody(user, source);
    expect(body).toContain(String.raw`"name":"a\ufffeb\uffffc\u0001é😀"`);
    expect(body).not.toMatch(/[\uFFFE\uFFFF]/);
    expect(body).not.toContain("\u0001");
    expect(parseUserFactorsMessage(body)).toEqual({ version: 1, source, ...user });
  });
});
