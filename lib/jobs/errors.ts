/** Base class of the jobs area's errors. */
export class JobError extends Error {
  public override readonly name: string = "JobError";
}

/** No job has this id (or no job reads this object key). */
export class JobNotFoundError extends JobError {
  public override readonly name = "JobNotFoundError";

  public constructor(public readonly reference: string) {
    super(`no job ${reference}`);
  }
}

/** The job is not in a status that allows the change (cancelling a finished job, resuming one not paused). */
export class JobStatusError extends JobError {
  public override readonly name = "JobStatusError";

  public constructor(
    public readonly jobId: string,
    public readonly status: string,
    action: string,
  ) {
    super(`job ${jobId} is ${status}: cannot ${action}`);
  }
}

/** A {@link DynamoJobStore} option out of range (an outcome TTL of 0 days, say). */
export class JobStoreOptionsError extends JobError {
  public override readonly name = "JobStoreOptionsError";
}

/** A jobs table just created did not become ACTIVE in time (the local runtime's dynalite table). */
export class JobsTableNotActiveError extends JobError {
  public override readonly name = "JobsTableNotActiveError";

  public constructor(
    public readonly tableName: string,
    public readonly status: string,
  ) {
    super(`the jobs table ${tableName} did not become ACTIVE (last status: ${status})`);
  }
}

/** The table answered with something the store cannot read (a foreign or damaged item). */
export class JobRecordError extends JobError {
  public override readonly name = "JobRecordError";
}

/** Writers kept meeting each other's open writes (or DynamoDB kept deferring keys): the caller retries later. */
export class JobConflictError extends JobError {
  public override readonly name = "JobConflictError";

  public constructor(
    public readonly jobId: string,
    problem: string,
  ) {
    super(`job ${jobId}: ${problem}`);
  }
}
