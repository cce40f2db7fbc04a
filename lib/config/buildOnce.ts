/**
 * Builds a value on the first call and shares it with every later call (a Lambda container's clients); a
 * build that fails is not kept, so the next call builds again (a throttled Secrets Manager call must not
 * break the container for good).
 *
 * @example
 * const built = buildOnce(() => handlerFromEnvironment(process.env));
 * export const handler = async (event) => (await built())(event);
 */
export function buildOnce<T>(build: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= build().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
