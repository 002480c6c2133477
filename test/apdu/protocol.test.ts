import {describe, expect, it} from 'vitest';
import {ApduError} from '../../source/apdu/errors.js';
import {ApduProtocol} from '../../source/apdu/protocol.js';
import {TransportError} from '../../source/apdu/transports/errors.js';
import {TranscriptTransport, toHex} from './transcript-transport.js';

function data(length: number): Uint8Array {
  return Uint8Array.from({length}, (_, index) => (index * 13) & 0xff);
}

const putData = {cla: 0, ins: 0xdb, p1: 0x3f, p2: 0xff};
const getData = {cla: 0, ins: 0xcb, p1: 0x3f, p2: 0xff, le: 256};

describe('ApduProtocol', () => {
  it('resolves send to the data of a 9000 answer', async () => {
    const transport = new TranscriptTransport('> 00 CB 3F FF 03 5C 01 7E 00\n< 7E 00 90 00');
    const protocol = new ApduProtocol(transport);
    expect(toHex(await protocol.send({...getData, data: Uint8Array.of(0x5c, 0x01, 0x7e)}))).toBe('7E 00');
    transport.assertDone();
  });

  it('resolves transmit to any status word and throws only from send', async () => {
    const transport = new TranscriptTransport('> 00 20 00 80\n< 63 C2\n> 00 20 00 80\n< 63 C2');
    const protocol = new ApduProtocol(transport);
    const verifyStatus = {cla: 0, ins: 0x20, p1: 0, p2: 0x80};
    expect(await protocol.transmit(verifyStatus)).toEqual({data: new Uint8Array(), sw: 0x63c2});
    const error = await protocol.send(verifyStatus).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApduError);
    expect(error).toMatchObject({code: 'verification-failed', sw: 0x63c2, ins: 0x20, triesLeft: 2});
    transport.assertDone();
  });

  it('sends a 600-byte command in chained pieces and gathers a 600-byte answer in one transmit', async () => {
    const command = data(600);
    const answer = data(600).reverse();
    const lines: string[] = [];
    const transport = new TranscriptTransport(
      [
        `> 10 DB 3F FF FF ${toHex(command.subarray(0, 255))}`,
        '< 90 00',
        `> 10 DB 3F FF FF ${toHex(command.subarray(255, 510))}`,
        '< 90 00',
        `> 00 DB 3F FF 5A ${toHex(command.subarray(510))} 00`,
        `< ${toHex(answer.subarray(0, 256))} 61 00`,
        '> 00 C0 00 00 00',
        `< ${toHex(answer.subarray(256, 512))} 61 58`,
        '> 00 C0 00 00 58',
        `< ${toHex(answer.subarray(512))} 90 00`,
      ].join('\n'),
    );
    const protocol = new ApduProtocol(transport, {trace: (line) => lines.push(line)});
    const response = await protocol.transmit({...putData, data: command, le: 65536});
    expect(Buffer.from(response.data).equals(answer)).toBe(true);
    expect(response.sw).toBe(0x9000);
    transport.assertDone();
    expect(lines.map((line) => line.slice(0, 14).trimEnd())).toEqual([
      '> 10 DB 3F FF',
      '< 90 00',
      '> 10 DB 3F FF',
      '< 90 00',
      '> 00 DB 3F FF',
      `< ${toHex(answer.subarray(0, 4))}`,
      '> 00 C0 00 00',
      `< ${toHex(answer.subarray(256, 260))}`,
      '> 00 C0 00 00',
      `< ${toHex(answer.subarray(512, 516))}`,
    ]);
  });

  it('sends the same command in one extended APDU to a card that takes them', async () => {
    const command = data(600);
    const transport = new TranscriptTransport(`> 00 DB 3F FF 00 02 58 ${toHex(command)}\n< 90 00`);
    await new ApduProtocol(transport, {extended: true}).send({...putData, data: command});
    transport.assertDone();
  });

  it('corrects Le on a GET RESPONSE answered with 6Cxx', async () => {
    const transport = new TranscriptTransport(
      [
        '> 00 CB 3F FF 00',
        '< 61 05',
        '> 00 C0 00 00 05',
        '< 6C 03',
        '> 00 C0 00 00 03',
        '< 53 01 AA 90 00',
      ].join('\n'),
    );
    expect(toHex(await new ApduProtocol(transport).send(getData))).toBe('53 01 AA');
    transport.assertDone();
  });

  it('names the original instruction when a chained answer fails', async () => {
    const transport = new TranscriptTransport('> 00 CB 3F FF 00\n< 01 61 01\n> 00 C0 00 00 01\n< 6A 82');
    await expect(new ApduProtocol(transport).send(getData)).rejects.toMatchObject({
      ins: 0xcb,
      code: 'not-found',
    });
  });

  it('runs concurrent exchanges one after the other, so chains never interleave', async () => {
    const command = data(300);
    const transport = new TranscriptTransport(
      [
        `> 10 DB 3F FF FF ${toHex(command.subarray(0, 255))}`,
        '< 90 00',
        `> 00 DB 3F FF 2D ${toHex(command.subarray(255))}`,
        '< 90 00',
        '> 00 CB 3F FF 00',
        '< 01 90 00',
      ].join('\n'),
    );
    const protocol = new ApduProtocol(transport);
    await Promise.all([protocol.send({...putData, data: command}), protocol.send(getData)]);
    transport.assertDone();
  });

  it('passes transport failures on and keeps serving the next exchange', async () => {
    const transport = new TranscriptTransport('> 00 CB 3F FF 00\n! card-removed\n> 00 CB 3F FF 00\n< 90 00');
    const protocol = new ApduProtocol(transport);
    const error = await protocol.send(getData).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({code: 'card-removed'});
    await protocol.send(getData);
    transport.assertDone();
  });
});
