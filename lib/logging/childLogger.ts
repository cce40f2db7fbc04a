import type { Logger } from "./Logger.js";

/** A logger that can make children itself (pino can). */
interface ParentLogger extends Logger {
  child(bindings: Record<string, unknown>): Logger;
}

function hasChild(logger: Logger): logger is ParentLogger {
  return typeof (logger as Partial<ParentLogger>).child === "function";
}

/**
 * A logger whose every line also carries `bindings` (the Lambda request id of an invocation, the job id of a
 * record). A pino logger makes a real child (the bindings are serialised once); any other {@link Logger} is
 * wrapped, the line's own fields taking precedence.
 *
 * @example
 * const log = childLogger(logger, { requestId: context.awsRequestId });
 * log.info({ records: 10 }, "batch received"); // {"requestId":"...","records":10,"msg":"batch received"}
 */
export function childLogger(logger: Logger, bindings: Record<string, unknown>): Logger {
  if (hasChild(logger)) return logger.child(bindings);
  return {
    debug: (fields, message) => logger.debug({ ...bindings, ...fields }, message),
    info: (fields, message) => logger.info({ ...bindings, ...fields }, message),
    warn: (fields, message) => logger.warn({ ...bindings, ...fields }, message),
    error: (fields, message) => logger.error({ ...bindings, ...fields }, message),
  };
}
