import fc from 'fast-check';
import {expect} from 'vitest';
import type {SithsError} from '../../source/errors.js';
import {PkiError} from '../../source/pki/errors.js';
import {mutated} from '../apdu/mutations.js';

type ErrorClass = abstract new (...args: never[]) => SithsError;

/** Asserts that `action` throws a `type` (PkiError unless given) with `code`. */
export function expectThrowsCode(action: () => unknown, code: string, type: ErrorClass = PkiError): void {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(type);
  expect((thrown as SithsError).code).toBe(code);
}

/** Asserts that `action` rejects with a `type` (PkiError unless given) with `code`. */
export async function expectRejectsCode(
  action: Promise<unknown>,
  code: string,
  type: ErrorClass = PkiError,
): Promise<void> {
  const error: unknown = await action.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(type);
  expect((error as SithsError).code).toBe(code);
}

/** Asserts that `parse` accepts or throws nothing but PkiError for `numRuns` mutations of the `valid` encodings. */
export function expectOnlyPkiErrorsOnMutations(
  valid: readonly Uint8Array[],
  parse: (bytes: Uint8Array) => unknown,
  numRuns: number,
): void {
  fc.assert(
    fc.property(mutated(fc.constantFrom(...valid)), (bytes) => {
      try {
        parse(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(PkiError);
      }
    }),
    {numRuns},
  );
}
