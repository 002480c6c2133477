/** A stream's `write`, as a function that takes what `write` takes. */
export type Write = (chunk: unknown, ...rest: unknown[]) => boolean;

/** `output` with its `write` replaced by `write`; everything else (isTTY, columns, on, ...) is `output`'s own. */
export function withWrite(output: NodeJS.WriteStream, write: Write): NodeJS.WriteStream {
  return new Proxy(output, {
    get(target, property) {
      if (property === 'write') return write;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** Writes through to `output`'s own write. */
export function writeTo(output: NodeJS.WriteStream): Write {
  return (chunk, ...rest) => (output.write as Write)(chunk, ...rest);
}
