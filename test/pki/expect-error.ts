import {expect} from 'vitest';
import type {SithsError} from '../../source/errors.js';
import {PkiError} from '../../source/pki/errors.js';

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
