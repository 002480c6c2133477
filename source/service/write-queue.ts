/**
 * Runs state changes one at a time. A change may sign (async) before it writes its one SQLite transaction;
 * running changes in turn keeps check-then-write sequences (key not used before, CRL numbers, idempotent
 * issuance) free of races inside the service process.
 */
export class WriteQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(change: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(change, change);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
