import { Duration, RemovalPolicy, Validations } from "aws-cdk-lib";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from "aws-cdk-lib/aws-s3";
import { Construct } from "constructs";
import { INCOMING_PREFIX, REPORTS_PREFIX } from "../lib/config/defaults.js";

/** Options of {@link PipelineStorage}. */
export interface PipelineStorageProps {
  /** Customer-managed key of the data bucket. */
  key: IKey;
  /** Days before input files and their noncurrent versions expire. */
  inputRetentionDays: number;
  /** Days before reports expire. */
  reportRetentionDays: number;
  /** Days before server access logs expire. */
  accessLogRetentionDays: number;
}

/**
 * The data bucket (input files under `incoming/`, reports under `reports/`) and the bucket its server access
 * logs go to. Both are private, TLS-only and retained when the stack is deleted.
 */
export class PipelineStorage extends Construct {
  readonly bucket: Bucket;
  readonly accessLogBucket: Bucket;

  constructor(scope: Construct, id: string, props: PipelineStorageProps) {
    super(scope, id);

    this.accessLogBucket = new Bucket(this, "AccessLogs", {
      // S3 delivers server access logs only to a bucket encrypted with S3-managed keys (SSE-S3): SSE-KMS targets are
      // not supported. The logs hold object keys and requesters, no file contents.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          id: "ExpireAccessLogs",
          expiration: Duration.days(props.accessLogRetentionDays),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: "AwsSolutions-S1",
      reason:
        "This is the server access log bucket of the data bucket; logging its own accesses would need a third bucket and record only S3's log deliveries.",
    });

    this.bucket = new Bucket(this, "Data", {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.key,
      // One data key per bucket instead of a KMS call per object: cheaper, and no KMS throttling on big runs.
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      serverAccessLogsBucket: this.accessLogBucket,
      serverAccessLogsPrefix: "data/",
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          // Input files hold TOTP secrets: keep them only as long as a run and its checks need. On a versioned
          // bucket, expiring makes the object a noncurrent version; that version (and any overwritten one) is
          // removed a day later, the shortest S3 allows.
          id: "ExpireInput",
          prefix: INCOMING_PREFIX,
          expiration: Duration.days(props.inputRetentionDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          id: "ExpireReports",
          prefix: REPORTS_PREFIX,
          expiration: Duration.days(props.reportRetentionDays),
          noncurrentVersionExpiration: Duration.days(1),
        },
        {
          // Whole bucket: parts of an abandoned upload are invisible, billed, and may hold secrets.
          id: "Housekeeping",
          abortIncompleteMultipartUploadAfter: Duration.days(1),
          expiredObjectDeleteMarker: true,
        },
      ],
    });
  }
}
