import type { Readable } from "node:stream";
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

/**
 * Puts an object with lib-storage `Upload` (multipart when large: fauxqs refuses a single PutObject over ~11 MiB).
 * `metadata` becomes `x-amz-meta-*`, e.g. `{ "allow-clear": "true" }`.
 */
export async function putObject(
  s3: S3Client,
  bucket: string,
  key: string,
  body: string | Uint8Array | Readable,
  metadata: Record<string, string> = {},
): Promise<void> {
  await new Upload({
    client: s3,
    params: { Bucket: bucket, Key: key, Body: body, Metadata: metadata },
  }).done();
}

/** The object's body as UTF-8 text. */
export async function getText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString("utf-8")) ?? "";
}

/** The object's body parsed as JSON. */
export async function getJson(s3: S3Client, bucket: string, key: string): Promise<unknown> {
  return JSON.parse(await getText(s3, bucket, key));
}

/** Every key under `prefix`, sorted. */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) if (object.Key) keys.push(object.Key);
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

/** The object's ETag without its quotes, as ingest records it. */
export async function getEtag(s3: S3Client, bucket: string, key: string): Promise<string> {
  const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  return (head.ETag ?? "").replaceAll('"', "");
}
