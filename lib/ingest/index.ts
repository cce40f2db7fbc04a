export { parseCountryCode } from "./countryCode.js";
export {
  CorruptInputError,
  DuplicateColumnError,
  EmptyFileError,
  InputFileError,
  InvalidCountryError,
  MalformedHeaderError,
  MissingColumnError,
  MissingHeaderError,
  UnknownColumnError,
  UnsupportedFileError,
} from "./errors.js";
export { detectFileKind } from "./fileKind.js";
export { formatRejection } from "./formatRejection.js";
export { readUserFactors, type UserFactorsReader } from "./readUserFactors.js";
export type { FileFormat, FileKind, ReadOptions, ReadSummary, ReadUser } from "./types.js";
