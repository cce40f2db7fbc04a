import type { Auth0Simulator } from "../../lib/simulator/index.js";

/** A response read whole: status, the headers a test looks at, and the parsed JSON body. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

async function readJson(response: Response): Promise<JsonResponse> {
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text === "" ? undefined : JSON.parse(text),
  };
}

/** POSTs to the simulator's `/oauth/token`, form-urlencoded unless `json` is set. */
export async function requestToken(
  sim: Auth0Simulator,
  fields: Record<string, string> = {},
  encoding: "form" | "json" = "form",
): Promise<JsonResponse> {
  const all = {
    grant_type: "client_credentials",
    client_id: sim.clientId,
    client_secret: sim.clientSecret,
    audience: sim.audience,
    ...fields,
  };
  const response = await fetch(`${sim.url}/oauth/token`, {
    method: "POST",
    headers: {
      "content-type": encoding === "json" ? "application/json" : "application/x-www-form-urlencoded",
    },
    body: encoding === "json" ? JSON.stringify(all) : new URLSearchParams(all).toString(),
  });
  return readJson(response);
}

/** A valid access token from the simulator. */
export async function accessToken(sim: Auth0Simulator): Promise<string> {
  const { status, body } = await requestToken(sim);
  if (status !== 200) throw new Error(`token request answered ${status}`);
  return (body as { access_token: string }).access_token;
}

/** `PUT /api/v2/users/{id}/authentication-methods` with the id encoded; `body` is sent as JSON unless a string. */
export async function putMethods(
  sim: Auth0Simulator,
  userId: string,
  body: unknown,
  token: string | undefined,
  headers: Record<string, string> = {},
): Promise<JsonResponse> {
  const response = await fetch(
    `${sim.url}/api/v2/users/${encodeURIComponent(userId)}/authentication-methods`,
    {
      method: "PUT",
      headers: {
        "content-type": "application/json",
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    },
  );
  return readJson(response);
}
