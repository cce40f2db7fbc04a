import { RemovalPolicy } from "aws-cdk-lib";
import { AttributeType, BillingMode, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import type { IKey } from "aws-cdk-lib/aws-kms";
import { Construct } from "constructs";
import { JOBS_TABLE } from "../lib/config/jobsTable.js";

/** Options of {@link JobsTable}. */
export interface JobsTableProps {
  /** Customer-managed key of the table. */
  key: IKey;
}

/**
 * The jobs table (jobs, their counts, per-user outcomes, sync state): the shape in `lib/config/jobsTable.ts`,
 * on-demand (a migration's load comes in bursts), encrypted with the stack's key, with point-in-time recovery,
 * and kept when the stack is deleted: losing it would lose which users were applied.
 */
export class JobsTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: JobsTableProps) {
    super(scope, id);
    this.table = new Table(this, "Table", {
      partitionKey: { name: JOBS_TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: JOBS_TABLE.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: JOBS_TABLE.ttlAttribute,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
