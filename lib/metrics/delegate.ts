/**
 * `target` with some members replaced; every other property is read from `target` itself and its methods are
 * bound to it, so a class's private fields and getters keep working, and a member the wrapper does not know
 * (one added to the interface later) is still there.
 *
 * @example
 * const metered = delegate(pacer, { acquire: async (deadlineMs) => pacer.acquire(deadlineMs) });
 */
export function delegate<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (Object.hasOwn(overrides, property)) return (overrides as Record<PropertyKey, unknown>)[property];
      const value: unknown = Reflect.get(object, property, object);
      return typeof value === "function" ? value.bind(object) : value;
    },
  });
}
