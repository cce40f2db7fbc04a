import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { SQSClient } from "@aws-sdk/client-sqs";
import { Command, Option } from "commander";
import { describe } from "../../lib/dlq/errors.js";
import { exportDeadLetters } from "../../lib/dlq/exportDeadLetters.js";
import {
  MAX_REDRIVE_RATE,
  type RedriveProgress,
  redriveDeadLetters,
} from "../../lib/dlq/redriveDeadLetters.js";
import { parseQueueArn, regionOfQueueUrl } from "../../lib/dlq/sqsAddress.js";
import { EXIT } from "../exitCodes.js";
import { examplesHelp } from "../helpText.js";
import { endpointUrl, integerIn, region } from "../optionParsers.js";

interface DlqExportOptions {
  queueUrl: string;
  endpointUrl?: string;
  out?: string;
  region?: string;
}

interface DlqRedriveOptions {
  dlqArn: string;
  endpointUrl?: string;
  to: string;
  rate?: number;
  region?: string;
  wait: boolean;
}

/** Calls `onInterrupt` on the first Ctrl-C; returns the function that stops listening. */
function onSigint(onInterrupt: () => void): () => void {
  process.once("SIGINT", onInterrupt);
  return () => process.off("SIGINT", onInterrupt);
}

function fail(message: string, exitCode: number): void {
  process.stderr.write(`error: ${message}\n`);
  process.exitCode = exitCode;
}

/**
 * `dlq-export --queue-url URL [--out file.csv] [--region R]`: writes the failed users of a deployed stack's
 * dead-letter queue as a CSV (to stdout, or to `--out`), leaving the messages in the queue for `dlq-redrive`.
 * Exit 0 done, 2 bad options or SQS unusable (nothing, or not everything, was read), 130 interrupted.
 */
export function dlqExportCommand(): Command {
  return new Command("dlq-export")
    .description(
      "Write the failed users of a dead-letter queue as CSV (line, user_id, status, ...); the messages stay in the queue.",
    )
    .requiredOption("--queue-url <url>", "the dead-letter queue's URL")
    .option("--out <file>", "write the CSV to this file instead of standard output")
    .option("--region <region>", "AWS region (default: the one in the queue URL, else the AWS SDK's)", region)
    .option("--endpoint-url <url>", "SQS endpoint, for an emulator (fauxqs, LocalStack)", endpointUrl)
    .exitOverride()
    .action(async (options: DlqExportOptions, command: Command) => {
      let urlRegion: string | undefined;
      try {
        urlRegion = regionOfQueueUrl(options.queueUrl);
      } catch (error) {
        command.error(`error: option '--queue-url <url>': ${(error as Error).message}`, { exitCode: 2 });
      }
      const sqs = new SQSClient({ region: options.region ?? urlRegion, endpoint: options.endpointUrl });
      const output = options.out ? createWriteStream(options.out) : process.stdout;
      // A file is for a spreadsheet: a byte-order mark makes Excel read it as UTF-8. A pipe gets none.
      const controller = new AbortController();
      const stopListening = onSigint(() => controller.abort());
      try {
        const summary = await exportDeadLetters(sqs, options.queueUrl, output, {
          signal: controller.signal,
          byteOrderMark: options.out !== undefined,
        });
        if (options.out) {
          output.end();
          await finished(output);
        }
        const where = options.out ? ` to ${options.out}` : "";
        const partial = summary.interrupted
          ? " (interrupted: partial)"
          : summary.truncated
            ? " (partial: SQS's in-flight limit of about 120,000 messages was reached)"
            : "";
        process.stderr.write(
          `Exported ${summary.exported} failed users${where}${partial}; the messages stay in the queue for dlq-redrive.\n`,
        );
        if (summary.notReleased > 0) {
          process.stderr.write(
            `${summary.notReleased} messages stay hidden until their visibility timeout (15 minutes) ends.\n`,
          );
        }
        if (summary.interrupted) process.exitCode = EXIT.interrupted;
      } catch (error) {
        fail(describeSqsError(error, options.endpointUrl), EXIT.usage);
      } finally {
        stopListening();
        sqs.destroy();
      }
    })
    .addHelpText(
      "after",
      examplesHelp([
        'factor-sync dlq-export --queue-url "$DLQ_URL" --out failures.csv',
        'factor-sync dlq-export --queue-url "$URL" --endpoint-url "$EMULATOR_URL"',
      ]),
    );
}

/**
 * `dlq-redrive --dlq-arn ARN --to ARN [--rate N] [--region R] [--no-wait]`: moves a deployed stack's
 * dead letters back to the work queue (SQS StartMessageMoveTask) and reports progress until done.
 * Exit 0 completed, 1 the task failed or was cancelled (messages not moved), 2 bad options or SQS refused,
 * 130 stopped watching.
 */
export function dlqRedriveCommand(): Command {
  return (
    new Command("dlq-redrive")
      .description(
        "Move the messages of a dead-letter queue back to the work queue (after fixing the cause).",
      )
      .requiredOption("--dlq-arn <arn>", "the dead-letter queue's ARN")
      // Required: SQS knows a source queue only for messages its redrive policy moved, not for those apply sent.
      .requiredOption("--to <arn>", "the work queue's ARN (the stack's WorkQueueArn output)")
      .addOption(
        new Option(
          "--rate <n>",
          `messages per second, 1 to ${MAX_REDRIVE_RATE} (default: SQS's own)`,
        ).argParser(integerIn(1, MAX_REDRIVE_RATE)),
      )
      .option("--region <region>", "AWS region (default: the one in the ARN)", region)
      .option("--endpoint-url <url>", "SQS endpoint, for an emulator (fauxqs, LocalStack)", endpointUrl)
      .option("--no-wait", "return once the task has started")
      .exitOverride()
      .action(async (options: DlqRedriveOptions, command: Command) => {
        const dlq = parseQueueArn(options.dlqArn);
        if (!dlq) {
          command.error(`error: option '--dlq-arn <arn>': '${options.dlqArn}' is not an SQS queue ARN.`, {
            exitCode: 2,
          });
        }
        if (!parseQueueArn(options.to)) {
          command.error(`error: option '--to <arn>': '${options.to}' is not an SQS queue ARN.`, {
            exitCode: 2,
          });
        }
        const sqs = new SQSClient({ region: options.region ?? dlq.region, endpoint: options.endpointUrl });
        const controller = new AbortController();
        const stopListening = onSigint(() => controller.abort());
        process.stderr.write(`Moving the messages of ${options.dlqArn} to ${options.to}...\n`);
        try {
          const final = await redriveDeadLetters(
            sqs,
            { dlqArn: options.dlqArn, destinationArn: options.to, maxPerSecond: options.rate },
            { wait: options.wait, signal: controller.signal, onProgress: (progress) => report(progress) },
          );
          if (final.status === "RUNNING") {
            const why = controller.signal.aborted ? "Stopped watching" : "Started";
            process.stderr.write(
              `${why}: the move task keeps running in SQS (task handle ${final.taskHandle}; follow it with aws sqs list-message-move-tasks --source-arn ${options.dlqArn}).\n`,
            );
            if (controller.signal.aborted) process.exitCode = EXIT.interrupted;
          } else if (final.status !== "COMPLETED") {
            fail(
              `the move task ended ${final.status} after moving ${final.moved} messages`,
              EXIT.notAllApplied,
            );
          } else {
            process.stderr.write(`Redrive completed: ${final.moved} messages moved.\n`);
          }
        } catch (error) {
          fail(describeSqsError(error, options.endpointUrl), EXIT.usage);
        } finally {
          stopListening();
          sqs.destroy();
        }
      })
      .addHelpText(
        "after",
        examplesHelp(['factor-sync dlq-redrive --dlq-arn "$DLQ_ARN" --to "$WORK_ARN" --rate 50']),
      )
  );
}

function report(progress: RedriveProgress): void {
  const of = progress.toMove === undefined ? "" : ` of ${progress.toMove}`;
  process.stderr.write(`${progress.status}: ${progress.moved}${of} messages moved\n`);
}

/**
 * Our own errors already describe their cause; what SQS (or something that is not SQS) answered gets a hint:
 * an HTTP error from the endpoint, or no credentials.
 */
function describeSqsError(error: unknown, endpoint: string | undefined): string {
  const message =
    error instanceof Error && (error.name.startsWith("DeadLetter") || error.name === "TypeError")
      ? error.message
      : describe(error);
  const cause = error instanceof Error && error.cause !== undefined ? error.cause : error;
  const name = cause instanceof Error ? cause.name : "";
  const status = (cause as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  if (name === "CredentialsProviderError") {
    return `${message} (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; an emulator takes any values)`;
  }
  if (name === "QueueDoesNotExist" || name === "AWS.SimpleQueueService.NonExistentQueue") {
    return `${message} (check the queue URL or ARN, and --region)`;
  }
  if (
    name === "Unknown" ||
    name === "UnknownError" ||
    (status !== undefined && status >= 400 && !name.includes("Queue"))
  ) {
    const where = endpoint ?? "the SQS endpoint";
    return `${message} (${where} answered${status === undefined ? "" : ` HTTP ${status}`} but not as SQS does: check --endpoint-url, and that the queue URL names a queue there)`;
  }
  return message;
}
