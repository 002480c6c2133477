import fc from 'fast-check';

/** One change to a byte string, with positions taken modulo its length when applied. */
type Mutation =
  | {type: 'truncate'; at: number}
  | {type: 'flip'; at: number; mask: number}
  | {type: 'bump'; at: number; delta: 1 | -1}
  | {type: 'insert'; at: number; byte: number}
  | {type: 'delete'; at: number}
  | {type: 'append'; bytes: Uint8Array};

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({type: fc.constant('truncate' as const), at: fc.nat()}),
  fc.record({type: fc.constant('flip' as const), at: fc.nat(), mask: fc.integer({min: 1, max: 0xff})}),
  fc.record({
    type: fc.constant('bump' as const),
    at: fc.nat(),
    delta: fc.constantFrom(1 as const, -1 as const),
  }),
  fc.record({type: fc.constant('insert' as const), at: fc.nat(), byte: fc.integer({min: 0, max: 0xff})}),
  fc.record({type: fc.constant('delete' as const), at: fc.nat()}),
  fc.record({type: fc.constant('append' as const), bytes: fc.uint8Array({maxLength: 8})}),
);

function mutate(input: Uint8Array, change: Mutation): Uint8Array {
  const bytes = Array.from(input);
  const at = bytes.length === 0 ? 0 : ('at' in change ? change.at : 0) % bytes.length;
  switch (change.type) {
    case 'truncate':
      return Uint8Array.from(bytes.slice(0, at));
    case 'flip':
      if (bytes.length > 0) bytes[at] = bytes[at]! ^ change.mask;
      break;
    case 'bump':
      if (bytes.length > 0) bytes[at] = (bytes[at]! + change.delta) & 0xff;
      break;
    case 'insert':
      bytes.splice(at, 0, change.byte);
      break;
    case 'delete':
      bytes.splice(at, 1);
      break;
    case 'append':
      bytes.push(...change.bytes);
      break;
  }
  return Uint8Array.from(bytes);
}

/**
 * Byte strings near the valid ones: a valid encoding with one to four mutations (truncation, byte flips, length
 * bumps of +-1, inserted, deleted and appended bytes), which is what breaks parsers at their bounds.
 */
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(valid, fc.array(mutation, {minLength: 1, maxLength: 4}))
    .map(([bytes, changes]) => changes.reduce(mutate, bytes));
}
