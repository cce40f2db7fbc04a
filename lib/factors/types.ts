/**
 * The domain model shared by every part of factor-sync: the desired MFA factors of one user, as read from a
 * file, and the outcome of reading a user who could not be accepted.
 *
 * Field names of {@link AuthenticationMethod} follow Auth0's wire format so a method can be sent to
 * `PUT /api/v2/users/{id}/authentication-methods` exactly as it is.
 */

/** How a phone factor sends its codes. */
export type PreferredAuthenticationMethod = "sms" | "voice";

/** A phone factor, its number normalised to E.164. */
export interface PhoneMethod {
  type: "phone";
  phone_number: string;
  preferred_authentication_method?: PreferredAuthenticationMethod;
  name?: string;
}

/** An email factor. Auth0 accepts it only when it is the user's only factor. */
export interface EmailMethod {
  type: "email";
  email: string;
  name?: string;
}

/** A TOTP factor, its secret normalised to upper-case base32 without padding. */
export interface TotpMethod {
  type: "totp";
  totp_secret: string;
  name?: string;
}

/** One authentication method, normalised and valid. */
export type AuthenticationMethod = PhoneMethod | EmailMethod | TotpMethod;

/** The type names a method may have. */
export type AuthenticationMethodType = AuthenticationMethod["type"];

/** A user whose whole desired method set is valid and may be sent. */
export interface UserFactors {
  /** The Auth0 user id, e.g. `auth0|abc` (not yet URL-encoded). */
  userId: string;
  /** The 1-based physical line of the file where the user's first row starts. */
  line: number;
  /** The complete desired set: Auth0 replaces all of the user's methods with it. May be empty only when clearing is allowed. */
  methods: AuthenticationMethod[];
}

/** A user that will not be sent, with every reason found. */
export interface RejectedUser {
  /** The 1-based physical line of the file where the user's first row starts. */
  line: number;
  /** The user id as written in the file; empty when the row had none. */
  userId: string;
  /** Readable reasons, e.g. `phone_number '555-1234' is not E.164 (...)`. Never a TOTP secret. */
  errors: string[];
}
