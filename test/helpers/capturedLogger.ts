import { Writable } from "node:stream";
import type { AuthenticationMethod } from "../../lib/factors/types.js";
import { createLogger, type Logger } from "../../lib/logging/Logger.js";

/** A real (pino) logger whose lines are kept in memory, so tests can check what would have been logged. */
export function capturedLogger(level = "debug"): { logger: Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  const logger = createLogger({ level, destination });
  return { logger, lines: () => chunks.join("").split("\n").filter(Boolean) };
}

/** Every TOTP secret, phone number and email in the given method sets, to search log output for. */
export function sensitiveValues(methodSets: AuthenticationMethod[][]): string[] {
  const values = new Set<string>();
  for (const method of methodSets.flat()) {
    if (method.type === "totp") values.add(method.totp_secret);
    if (method.type === "phone") values.add(method.phone_number);
    if (method.type === "email") values.add(method.email);
  }
  return [...values];
}
