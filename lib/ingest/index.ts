export { parseCountryCode } from "./countryCode.js";
export {
  CorruptInputError,
  DelimiterError,
  DuplicateColumnError,
  EmptyFileError,
  InputChangedError,
  InputFileError,
  InvalidCountryError,
  InvalidMaxRejectedError,
  InvalidPhoneCheckError,
  MalformedHeaderError,
  MissingColumnError,
  MissingHeaderError,
  UnknownColumnError,
  UnsupportedFileError,
  Utf16Error,
} from "./errors.js";
export { detectFileKind } from "./fileKind.js";
export { formatRejection } from "./formatRejection.js";
export { parsePhoneCheck } from "./phoneCheck.js";
export {
  type FileCheck,
  type OpenInput,
  readUserFactors,
  type UserFactorsReader,
} from "./readUserFactors.js";
export {
  exceedsTolerance,
  type MaxRejected,
  parseMaxRejected,
  type ToleranceExceeded,
} from "./rejectionTolerance.js";
export type { FileFormat, FileKind, PhoneCheck, ReadOptions, ReadSummary, ReadUser } from "./types.js";
export { detectUtf16 } from "./utf16.js";
