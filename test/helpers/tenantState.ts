import type { AuthenticationMethod } from "../../lib/factors/types.js";
import type { Auth0Simulator } from "../../lib/simulator/index.js";

/** A user's methods as stored by the simulator, without the ids and times it adds: comparable with the file. */
export function desiredStateOf(simulator: Auth0Simulator, userId: string): AuthenticationMethod[] {
  return simulator
    .methodsOf(userId)
    .map(({ id: _id, created_at: _createdAt, ...method }) => method as AuthenticationMethod);
}

/** Every stored user's methods, as {@link desiredStateOf} gives them. */
export function tenantState(simulator: Auth0Simulator): Map<string, AuthenticationMethod[]> {
  return new Map(
    [...simulator.allMethods().keys()].map((userId) => [userId, desiredStateOf(simulator, userId)]),
  );
}
