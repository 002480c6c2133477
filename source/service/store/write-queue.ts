/**
 * Runs tasks one at a time, in the order they came, whether they resolve or throw. The SQLite store runs its
 * statements and transactions through one, so that a transaction that awaits a signature is never joined by
 * another request's statements on the same connection.
 */
export class WriteQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(change: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(change, change);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
