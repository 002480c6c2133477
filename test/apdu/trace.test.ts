import {PassThrough} from 'node:stream';
import {describe, expect, it} from 'vitest';
import {ApduProtocol} from '../../source/apdu/protocol.js';
import {hasSecretResponse, redactApdu, redactResponse, streamTraceSink} from '../../source/apdu/trace.js';
import {TranscriptTransport, hex, toHex} from './transcript-transport.js';

/** PIN 123456 padded with FF to 8 bytes, as PIV sends it. */
const PIN = hex('31 32 33 34 35 36 FF FF');
const PUK = hex('38 37 36 35 34 33 32 31');

/** Every way a secret could show in a trace line: spaced or packed hex, any case, any 3-byte run. */
function expectNoTraceOf(secret: Uint8Array, lines: string[]): void {
  const text = lines.join('\n');
  const packed = text.replace(/ /g, '').toUpperCase();
  for (let start = 0; start + 3 <= secret.length; start++) {
    const run = secret.subarray(start, start + 3);
    expect(text).not.toContain(toHex(run));
    expect(packed).not.toContain(toHex(run).replace(/ /g, ''));
  }
}

describe('redactApdu', () => {
  it.each([
    ['VERIFY', `00 20 00 80 08 ${toHex(PIN)}`, '> 00 20 00 80 08 [8 bytes redacted]'],
    [
      'VERIFY with a trailing Le',
      `00 20 00 80 08 ${toHex(PIN)} 00`,
      '> 00 20 00 80 08 [8 bytes redacted] 00',
    ],
    [
      'CHANGE REFERENCE DATA',
      `00 24 00 80 10 ${toHex(PIN)} ${toHex(PIN)}`,
      '> 00 24 00 80 10 [16 bytes redacted]',
    ],
    [
      'RESET RETRY COUNTER',
      `00 2C 00 80 10 ${toHex(PUK)} ${toHex(PIN)}`,
      '> 00 2C 00 80 10 [16 bytes redacted]',
    ],
    ['IMPORT KEY, a chained piece', `10 FE 11 9A 04 06 02 AB CD`, '> 10 FE 11 9A 04 [4 bytes redacted]'],
    ['SET MANAGEMENT KEY', `00 FF FF FF 05 03 9B 02 01 02`, '> 00 FF FF FF 05 [5 bytes redacted]'],
    [
      'GENERAL AUTHENTICATE with 9B',
      '00 87 03 9B 0C 7C 0A 80 08 01 02 03 04 05 06 07 08',
      '> 00 87 03 9B 0C [12 bytes redacted]',
    ],
    ['an extended VERIFY', `00 20 00 80 00 00 08 ${toHex(PIN)}`, '> 00 20 00 80 00 00 08 [8 bytes redacted]'],
    ['a malformed VERIFY', `00 20 00 80 09 ${toHex(PIN)}`, '> 00 20 00 80 [9 bytes redacted]'],
    ['a fragment shorter than a header', '00 20 31', '> [3 bytes redacted]'],
  ])('hides the data of %s', (_what, bytes, line) => {
    expect(redactApdu(hex(bytes))).toBe(line);
  });

  it.each([
    ['VERIFY status without data', '00 20 00 80', '> 00 20 00 80'],
    ['VERIFY status with Le', '00 20 00 80 00', '> 00 20 00 80 00'],
    ['GET DATA', '00 CB 3F FF 05 5C 03 5F C1 05 00', '> 00 CB 3F FF 05 5C 03 5F C1 05 00'],
    ['GENERAL AUTHENTICATE signing with 9A', '00 87 07 9A 04 7C 02 81 00', '> 00 87 07 9A 04 7C 02 81 00'],
  ])('shows %s whole', (_what, bytes, line) => {
    expect(redactApdu(hex(bytes))).toBe(line);
  });
});

describe('secret responses', () => {
  it.each([
    ['the management key witness', '00 87 03 9B 04 7C 02 80 00', true],
    ['an ECDH shared secret', `00 87 11 9D 49 7C 47 82 00 85 43 04 ${toHex(new Uint8Array(0x42))}`, true],
    ['an ECDSA signature', '00 87 11 9A 26 7C 24 82 00 81 20 ' + toHex(new Uint8Array(32)), false],
    ['a GET DATA', '00 CB 3F FF 03 5C 01 7E 00', false],
    ['a malformed GENERAL AUTHENTICATE', '00 87 11 9D 03 7C 05 85', false],
  ])('treats the answer to %s as secret: %s', (_what, bytes, isSecret) => {
    expect(hasSecretResponse(hex(bytes))).toBe(isSecret);
  });

  it('shows the status word of a secret response and only the length of its data', () => {
    expect(redactResponse(hex('7C 0A 80 08 01 02 03 04 05 06 07 08 90 00'), true)).toBe(
      '< [12 bytes redacted] 90 00',
    );
    expect(redactResponse(hex('69 82'), true)).toBe('< 69 82');
    expect(redactResponse(hex('53 00 90 00'), false)).toBe('< 53 00 90 00');
  });
});

describe('tracing through ApduProtocol', () => {
  it('never shows PIN or PUK bytes, in any command that carries them', async () => {
    const lines: string[] = [];
    const transport = new TranscriptTransport(
      [
        `> 00 20 00 80 08 ${toHex(PIN)}`,
        '< 63 C2',
        `> 00 24 00 80 10 ${toHex(PIN)} ${toHex(PIN)}`,
        '< 90 00',
        `> 00 2C 00 80 10 ${toHex(PUK)} ${toHex(PIN)}`,
        '< 90 00',
      ].join('\n'),
    );
    const protocol = new ApduProtocol(transport, {trace: (line) => lines.push(line)});
    await protocol.transmit({cla: 0, ins: 0x20, p1: 0, p2: 0x80, data: PIN});
    await protocol.send({cla: 0, ins: 0x24, p1: 0, p2: 0x80, data: Buffer.concat([PIN, PIN])});
    await protocol.send({cla: 0, ins: 0x2c, p1: 0, p2: 0x80, data: Buffer.concat([PUK, PIN])});
    transport.assertDone();
    expect(lines).toEqual([
      '> 00 20 00 80 08 [8 bytes redacted]',
      '< 63 C2',
      '> 00 24 00 80 10 [16 bytes redacted]',
      '< 90 00',
      '> 00 2C 00 80 10 [16 bytes redacted]',
      '< 90 00',
    ]);
    expectNoTraceOf(PIN, lines);
    expectNoTraceOf(PUK, lines);
  });

  it('hides every chained piece of an imported key', async () => {
    const key = Uint8Array.from({length: 300}, (_, index) => 0x40 + (index % 0x3f));
    const lines: string[] = [];
    const transport = new TranscriptTransport(
      [
        `> 10 FE 07 9A FF ${toHex(key.subarray(0, 255))}`,
        '< 90 00',
        `> 00 FE 07 9A 2D ${toHex(key.subarray(255))}`,
        '< 90 00',
      ].join('\n'),
    );
    await new ApduProtocol(transport, {trace: (line) => lines.push(line)}).send({
      cla: 0,
      ins: 0xfe,
      p1: 0x07,
      p2: 0x9a,
      data: key,
    });
    expect(lines).toEqual([
      '> 10 FE 07 9A FF [255 bytes redacted]',
      '< 90 00',
      '> 00 FE 07 9A 2D [45 bytes redacted]',
      '< 90 00',
    ]);
    expectNoTraceOf(key, lines);
  });

  it('hides the management key exchange, including an answer continued by GET RESPONSE', async () => {
    const witness = hex('7C 0A 80 08 A1 A2 A3 A4 A5 A6 A7 A8');
    const challenge = hex('7C 14 80 08 B1 B2 B3 B4 B5 B6 B7 B8 81 08 C1 C2 C3 C4 C5 C6 C7 C8');
    const lines: string[] = [];
    const transport = new TranscriptTransport(
      [
        '> 00 87 03 9B 04 7C 02 80 00 00',
        `< ${toHex(witness.subarray(0, 4))} 61 08`,
        '> 00 C0 00 00 08',
        `< ${toHex(witness.subarray(4))} 90 00`,
        `> 00 87 03 9B 16 ${toHex(challenge)} 00`,
        '< 7C 0A 82 08 D1 D2 D3 D4 D5 D6 D7 D8 90 00',
        '> 00 CB 3F FF 03 5C 01 7E 00',
        '< 7E 00 90 00',
      ].join('\n'),
    );
    const protocol = new ApduProtocol(transport, {trace: (line) => lines.push(line)});
    const authenticate = {cla: 0, ins: 0x87, p1: 0x03, p2: 0x9b, le: 256};
    expect(await protocol.send({...authenticate, data: hex('7C 02 80 00')})).toEqual(witness);
    await protocol.send({...authenticate, data: challenge});
    await protocol.send({cla: 0, ins: 0xcb, p1: 0x3f, p2: 0xff, data: hex('5C 01 7E'), le: 256});
    expect(lines).toEqual([
      '> 00 87 03 9B 04 [4 bytes redacted] 00',
      '< [4 bytes redacted] 61 08',
      '> 00 C0 00 00 08',
      '< [8 bytes redacted] 90 00',
      '> 00 87 03 9B 16 [22 bytes redacted] 00',
      '< [12 bytes redacted] 90 00',
      '> 00 CB 3F FF 03 5C 01 7E 00',
      '< 7E 00 90 00',
    ]);
    expectNoTraceOf(hex('A1 A2 A3 A4 A5 A6 A7 A8 B1 B2 B3 B4 B5 B6 B7 B8 C1 C2 C3 C4 C5 C6 C7 C8'), lines);
    expectNoTraceOf(hex('D1 D2 D3 D4 D5 D6 D7 D8'), lines);
  });

  it('reports a transport failure by its code', async () => {
    const lines: string[] = [];
    const transport = new TranscriptTransport('> 00 CB 3F FF 00\n! card-removed');
    const protocol = new ApduProtocol(transport, {trace: (line) => lines.push(line)});
    await expect(protocol.send({cla: 0, ins: 0xcb, p1: 0x3f, p2: 0xff, le: 256})).rejects.toMatchObject({
      code: 'card-removed',
    });
    expect(lines).toEqual(['> 00 CB 3F FF 00', '! card-removed']);
  });
});

describe('streamTraceSink', () => {
  it('writes one line per exchange to a stream', () => {
    const stream = new PassThrough({encoding: 'utf8'});
    const sink = streamTraceSink(stream);
    sink('> 00 A4 04 00');
    sink('< 90 00');
    expect(stream.read()).toBe('> 00 A4 04 00\n< 90 00\n');
  });
});
