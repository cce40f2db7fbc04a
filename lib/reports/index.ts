export { CsvReportUpload, type CsvReportUploadOptions } from "./CsvReportUpload.js";
export { CSV_BYTE_ORDER_MARK, csvCell, csvRow } from "./csv.js";
export {
  type IngestFileError,
  type IngestSummary,
  type IngestTooManyRejected,
  putIngestSummary,
} from "./IngestSummary.js";
export { type ReportKeys, reportKeys } from "./reportKeys.js";
export { REJECTS_COLUMNS, rejectsRow, UNSENT_COLUMNS, unsentRow } from "./reportRows.js";
