import {describe, expect, it} from 'vitest';
import {FormattingProcessor} from '../../../source/apdu/processors/formatting.js';
import {LeCorrectionProcessor} from '../../../source/apdu/processors/le-correction.js';
import {TranscriptTransport, toHex} from '../transcript-transport.js';

function correction(transcript: string) {
  const transport = new TranscriptTransport(transcript);
  const wire = new FormattingProcessor((apdu) => transport.transmit(apdu), false);
  return {transport, processor: new LeCorrectionProcessor(wire)};
}

describe('LeCorrectionProcessor', () => {
  it('re-sends the command once with the Le that 6Cxx names', async () => {
    const {transport, processor} = correction(
      '> 00 FD 00 00 00\n< 6C 03\n> 00 FD 00 00 03\n< 05 07 01 90 00',
    );
    const response = await processor.transmit({cla: 0, ins: 0xfd, p1: 0, p2: 0, le: 256});
    expect(toHex(response.data)).toBe('05 07 01');
    transport.assertDone();
  });

  it('adds Le to a command that had none', async () => {
    const {transport, processor} = correction('> 00 FD 00 00\n< 6C 00\n> 00 FD 00 00 00\n< 90 00');
    await processor.transmit({cla: 0, ins: 0xfd, p1: 0, p2: 0});
    transport.assertDone();
  });

  it('returns a second 6Cxx as it is instead of looping', async () => {
    const {transport, processor} = correction('> 00 FD 00 00 00\n< 6C 03\n> 00 FD 00 00 03\n< 6C 04');
    expect((await processor.transmit({cla: 0, ins: 0xfd, p1: 0, p2: 0, le: 256})).sw).toBe(0x6c04);
    transport.assertDone();
  });

  it('leaves other status words alone', async () => {
    const {transport, processor} = correction('> 00 FD 00 00 00\n< 6D 00');
    expect((await processor.transmit({cla: 0, ins: 0xfd, p1: 0, p2: 0, le: 256})).sw).toBe(0x6d00);
    transport.assertDone();
  });
});
