import {PassThrough} from 'node:stream';
import {describe, expect, it, vi} from 'vitest';
import {CliError} from '../../source/cli/errors.js';
import {TerminalInput} from '../../source/cli/terminal-input.js';

/** An input stream, as a pipe or as a terminal (raw mode recorded). */
function inputStream(isTerminal: boolean) {
  const stream = new PassThrough() as PassThrough & {
    isTTY?: boolean;
    rawModes: boolean[];
    setRawMode?: (on: boolean) => void;
  };
  stream.rawModes = [];
  if (isTerminal) {
    stream.isTTY = true;
    stream.setRawMode = (on: boolean) => stream.rawModes.push(on);
  }
  return stream;
}

function outputStream() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return {stream, text: () => text};
}

function open(isTerminal: boolean) {
  const input = inputStream(isTerminal);
  const prompts = outputStream();
  const onInterrupt = vi.fn();
  const terminal = new TerminalInput(
    input as unknown as NodeJS.ReadStream,
    prompts.stream as unknown as NodeJS.WriteStream,
    onInterrupt,
  );
  return {input, prompts, onInterrupt, terminal};
}

describe('TerminalInput', () => {
  it('reads answers line by line from a pipe, including lines that arrived before the question', async () => {
    const {input, prompts, terminal} = open(false);
    input.write('1\nja\n');
    expect(await terminal.line('Välj: ')).toBe('1');
    expect(await terminal.line('Säker? ')).toBe('ja');
    const later = terminal.line('Till sist: ');
    input.write('sista');
    input.end();
    expect(await later).toBe('sista');
    expect(await terminal.line('Mer? ')).toBeUndefined();
    expect(prompts.text()).toContain('Välj: \nSäker? \n');
    terminal.close();
  });

  it('gives up a question when its signal aborts', async () => {
    const {terminal} = open(false);
    const moved = new AbortController();
    const answer = terminal.line('Välj: ', moved.signal);
    moved.abort();
    expect(await answer).toBeUndefined();
    terminal.close();
  });

  it('reads a code from a pipe as one line of bytes, and fails at the end of input', async () => {
    const {input, terminal} = open(false);
    input.write('123456\n');
    expect(new TextDecoder().decode(await terminal.code('PIN: '))).toBe('123456');
    input.end();
    await expect(terminal.code('PIN: ')).rejects.toBeInstanceOf(CliError);
    terminal.close();
  });

  it('reads a code on a terminal in raw mode, one star per key, with erase, and never echoes a digit', async () => {
    const {input, prompts, terminal} = open(true);
    const code = terminal.code('PIN: ');
    await vi.waitFor(() => expect(input.rawModes).toEqual([true]));
    input.write(Buffer.from('12'));
    input.write(Buffer.from([0x7f]));
    input.write(Buffer.from('3456\r'));
    const bytes = await code;
    expect(new TextDecoder().decode(bytes)).toBe('13456');
    expect(input.rawModes).toEqual([true, false]);
    expect(prompts.text()).toBe('PIN: **\b \b****\n');
    terminal.close();
  });

  it('stops a code on Ctrl+C and tells the program', async () => {
    const {input, onInterrupt, terminal} = open(true);
    const code = terminal.code('PIN: ');
    await vi.waitFor(() => expect(input.rawModes).toEqual([true]));
    input.write(Buffer.from([0x31, 0x03]));
    await expect(code).rejects.toBeInstanceOf(CliError);
    expect(onInterrupt).toHaveBeenCalledOnce();
    terminal.close();
  });
});
