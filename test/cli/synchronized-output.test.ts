import {EventEmitter} from 'node:events';
import {describe, expect, it} from 'vitest';
import {framedOutput, supportsSynchronizedOutput} from '../../source/cli/synchronized-output.js';

const BEGIN = '\u001B[?2026h';
const END = '\u001B[?2026l';

class RecordingTerminal extends EventEmitter {
  readonly isTTY = true;
  readonly columns = 100;
  readonly rows = 30;
  readonly writes: string[] = [];
  write(chunk: string, callback?: () => void): boolean {
    this.writes.push(chunk);
    callback?.();
    return true;
  }
}

function framed(isSynchronized: boolean) {
  const terminal = new RecordingTerminal();
  const output = framedOutput(terminal as unknown as NodeJS.WriteStream, isSynchronized);
  return {terminal, output};
}

describe('supportsSynchronizedOutput', () => {
  it.each([
    [{TERM: 'xterm-256color'}, true],
    [{TERM: 'tmux-256color', TMUX: '/tmp/tmux-0/default,1,0'}, true],
    [{TERM: 'screen-256color', TMUX: '/tmp/tmux-0/default,1,0'}, true],
    [{TERM: 'xterm-kitty'}, true],
    [{TERM: 'foot'}, true],
    [{TERM: 'dumb'}, false],
    [{TERM: 'dumb', TMUX: '/tmp/tmux-0/default,1,0'}, false],
    [{TERM: 'linux'}, false],
    [{TERM: 'screen'}, false],
    [{TERM: 'vt100'}, false],
    [{}, false],
  ])('%o: %s', (env, expected) => {
    expect(supportsSynchronizedOutput(env)).toBe(expected);
  });
});

describe('framedOutput', () => {
  it('writes each of Ink’s frames in one write, in synchronized-output framing', () => {
    const {terminal, output} = framed(true);
    const line = `${'line one '.repeat(15)}\n`;
    output.write(BEGIN);
    output.write('\u001B[2A');
    output.write(line);
    output.write(END);
    expect(terminal.writes).toEqual([`${BEGIN}\u001B[2A${line}${END}`]);
  });

  it('writes a short frame (a few cells) without the framing', () => {
    const {terminal, output} = framed(true);
    output.write(BEGIN);
    output.write('\u001B[25F\u001B[97G7\u001B[25E');
    output.write(END);
    expect(terminal.writes).toEqual(['\u001B[25F\u001B[97G7\u001B[25E']);
  });

  it('writes the frame without the framing to a terminal that does not take it', () => {
    const {terminal, output} = framed(false);
    output.write(BEGIN);
    output.write('frame');
    output.write(END);
    expect(terminal.writes).toEqual(['frame']);
  });

  it('passes other writes straight through, writes nothing for an empty frame, and calls every callback', () => {
    const {terminal, output} = framed(true);
    const called: string[] = [];
    output.write('\u001B[?1049h', () => called.push('alternate'));
    output.write(BEGIN);
    output.write(END, () => called.push('empty'));
    output.write(BEGIN);
    output.write('a'.repeat(100), () => called.push('a'));
    output.write('b'.repeat(100));
    output.write(END, () => called.push('end'));
    expect(terminal.writes).toEqual(['\u001B[?1049h', `${BEGIN}${'a'.repeat(100)}${'b'.repeat(100)}${END}`]);
    expect(called).toEqual(['alternate', 'empty', 'a', 'end']);
  });

  it('writes a frame left open at the next turn of the event loop, unframed', async () => {
    const {terminal, output} = framed(true);
    output.write(BEGIN);
    output.write('half');
    expect(terminal.writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(terminal.writes).toEqual(['half']);
  });

  it('is the terminal otherwise: size, TTY, events', () => {
    const {terminal, output} = framed(true);
    expect(output.isTTY).toBe(true);
    expect(output.columns).toBe(100);
    let resized = 0;
    const listener = () => resized++;
    output.on('resize', listener);
    terminal.emit('resize');
    output.off('resize', listener);
    terminal.emit('resize');
    expect(resized).toBe(1);
  });
});
