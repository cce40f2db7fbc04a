import { InvalidArgumentError } from "commander";

/** Parses an integer within [min, max] for a commander option; a bad value is a one-line usage error. */
export function integerIn(min: number, max: number): (value: string) => number {
  return (value) => {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min || number > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}.`);
    }
    return number;
  };
}

/** Parses a positive number (a rate, which may be fractional). */
export function positiveNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number <= 0) {
    throw new InvalidArgumentError("expected a number above 0.");
  }
  return number;
}

/** Parses a share in (0, 1]. */
export function share(value: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number <= 0 || number > 1) {
    throw new InvalidArgumentError("expected a number above 0 and at most 1 (e.g. 0.8).");
  }
  return number;
}

/** Parses an AWS region name such as `eu-west-1`. */
export function region(value: string): string {
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(value))
    throw new InvalidArgumentError("expected a region such as eu-west-1.");
  return value;
}

/** Parses an ISO 3166-1 alpha-2 country code, upper-casing it. */
export function countryCode(value: string): string {
  if (!/^[a-zA-Z]{2}$/.test(value))
    throw new InvalidArgumentError("expected an ISO 3166-1 alpha-2 code such as US.");
  return value.toUpperCase();
}

/** Parses an http(s) endpoint URL. */
export function endpointUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError("expected a URL such as http://127.0.0.1:4566.");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new InvalidArgumentError("expected an http(s) URL.");
  return value;
}
