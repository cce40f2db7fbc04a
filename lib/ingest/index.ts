export { parseCountryCode } from "./countryCode.js";
export {
  CorruptInputError,
  DelimiterError,
  DuplicateColumnError,
  EmptyFileError,
  InputFileError,
  InvalidCountryError,
  MalformedHeaderError,
  MissingColumnError,
  MissingHeaderError,
  UnknownColumnError,
  UnsupportedFileError,
  Utf16Error,
} from "./errors.js";
export { detectFileKind } from "./fileKind.js";
export { formatRejection } from "./formatRejection.js";
export { readUserFactors, type UserFactorsReader } from "./readUserFactors.js";
export type { FileFormat, FileKind, ReadOptions, ReadSummary, ReadUser } from "./types.js";
export { detectUtf16 } from "./utf16.js";
