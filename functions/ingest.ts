// PLACEHOLDER (infra branch only, so that `cdk synth` can bundle an entry point): the real ingest handler is built on
// another branch; at merge, take that branch's functions/ingest.ts and drop this one.
export const handler = async (): Promise<void> => {};
