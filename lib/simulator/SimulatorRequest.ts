/** A request as the simulator's handlers see it: already read, with the headers they use. */
export interface SimulatorRequest {
  method: string;
  /** The raw (still percent-encoded) path, without the query. */
  path: string;
  host?: string;
  contentType?: string;
  authorization?: string;
  /** The body as text; `undefined` when it was larger than the simulator accepts. */
  body: string | undefined;
}

/** A response to write: JSON body, status and extra headers. */
export interface SimulatorResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** The media type of a Content-Type header, lower case, without parameters; `undefined` when absent. */
export function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const type = contentType.split(";")[0]?.trim().toLowerCase();
  return type === "" ? undefined : type;
}
