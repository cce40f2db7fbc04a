import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** One request the endpoint received: the SQS action and its JSON input. */
export interface ReceivedCall {
  action: string;
  input: Record<string, unknown>;
}

/** What the endpoint answers to an action: a JSON body, or an SQS error. */
export type ActionReply = { body: unknown } | { error: { type: string; message: string } };

/**
 * A loopback HTTP endpoint speaking SQS's JSON protocol for the actions fauxqs lacks (StartMessageMoveTask,
 * ListMessageMoveTasks), so the real SDK client can be tested against scripted answers over a real socket.
 */
export interface MoveTaskEndpoint {
  url: string;
  calls: ReceivedCall[];
  stop(): Promise<void>;
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

/** Starts the endpoint; `reply(action, callIndexOfThatAction)` scripts each answer. */
export async function startMoveTaskEndpoint(
  reply: (action: string, index: number) => ActionReply,
): Promise<MoveTaskEndpoint> {
  const calls: ReceivedCall[] = [];
  const server: Server = createServer((request, response) => {
    void readJson(request).then((input) => {
      const action = String(request.headers["x-amz-target"] ?? "").replace("AmazonSQS.", "");
      const index = calls.filter((call) => call.action === action).length;
      calls.push({ action, input });
      const answer = reply(action, index);
      const headers = { "content-type": "application/x-amz-json-1.0" };
      if ("error" in answer) {
        response.writeHead(400, headers);
        response.end(
          JSON.stringify({ __type: `com.amazonaws.sqs#${answer.error.type}`, message: answer.error.message }),
        );
      } else {
        response.writeHead(200, headers);
        response.end(JSON.stringify(answer.body));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
