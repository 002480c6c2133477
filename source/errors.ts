/**
 * The one base of every error a user can meet. Each layer extends it in its own `errors.ts` with a stable
 * `code` that screens and logs switch on, its own `name`, and the underlying `cause` passed on (as got does).
 * Messages are for support logs; they never hold PINs, PUKs or key material.
 */
export class SithsError<Code extends string = string> extends Error {
  override readonly name: string = 'SithsError';
  constructor(
    readonly code: Code,
    message: string,
    options?: {cause?: unknown},
  ) {
    super(message, options);
  }
}
