/**
 * `node --import tsx scripts/media.ts`: screenshots of the real TUI in a real terminal. Builds the bundle, runs
 * the demo in tmux (100x30, and 80x24 for the smallest layout), drives it as a person would, captures each main
 * screen with `tmux capture-pane -p -e` and writes media/<name>.ansi (as captured), .txt (plain) and .svg (drawn
 * from the capture, for the README). Needs tmux.
 */
import {execFileSync, spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {stripVTControlCharacters} from 'node:util';

const ROOT = resolve(import.meta.dirname, '..');
const MEDIA = join(ROOT, 'media');
const TIMEOUT_MS = 120_000;

class Terminal {
  /** The server's socket, in its own directory, removed with it. */
  readonly directory = mkdtempSync(join(tmpdir(), 'siths-media-tmux-'));
  readonly socket = join(this.directory, 'socket');

  constructor(command: string, columns: number, rows: number, env: Record<string, string>) {
    const variables = Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]);
    this.tmux(
      '-f',
      '/dev/null',
      'new-session',
      '-d',
      '-x',
      `${columns}`,
      '-y',
      `${rows}`,
      '-c',
      ROOT,
      ...variables,
      command,
    );
  }

  /** tmux without this process's environment (a CI=true in the server would hold Ink's frames back). */
  tmux(...args: string[]): string {
    return execFileSync('tmux', ['-S', this.socket, ...args], {
      encoding: 'utf8',
      env: {PATH: process.env['PATH'] ?? '/usr/bin:/bin'},
    });
  }

  capture(): string {
    return this.tmux('capture-pane', '-p', '-e');
  }

  press(...keys: string[]): void {
    for (const key of keys) this.tmux('send-keys', key);
  }

  type(text: string): void {
    for (const character of text) this.tmux('send-keys', '-l', character);
  }

  async waitFor(...texts: string[]): Promise<string> {
    const started = Date.now();
    for (;;) {
      const screen = this.capture();
      const plain = stripVTControlCharacters(screen);
      const panel = plain
        .split('\n')
        .map((line) => line.slice(line.indexOf('│') + 1))
        .join(' ')
        .replace(/\s+/g, ' ');
      if (texts.every((text) => plain.includes(text) || panel.includes(text))) return screen;
      if (Date.now() - started > TIMEOUT_MS)
        throw new Error(`the screen never showed: ${texts.join(', ')}\n${plain}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  kill(): void {
    spawnSync('tmux', ['-S', this.socket, 'kill-server'], {stdio: 'ignore'});
    rmSync(this.directory, {recursive: true, force: true});
  }
}

/** xterm's 16 colours (the palette terminals start from) and the 256-colour cube. */
const BASE_COLOURS = [
  '#000000',
  '#cd0000',
  '#00cd00',
  '#cdcd00',
  '#0000ee',
  '#cd00cd',
  '#00cdcd',
  '#e5e5e5',
  '#7f7f7f',
  '#ff0000',
  '#00ff00',
  '#ffff00',
  '#5c5cff',
  '#ff00ff',
  '#00ffff',
  '#ffffff',
];
const FOREGROUND = '#e5e5e5';
const BACKGROUND = '#1e1e1e';

function colour256(index: number): string {
  if (index < 16) return BASE_COLOURS[index]!;
  if (index < 232) {
    const value = index - 16;
    const level = (step: number) => (step === 0 ? 0 : 55 + step * 40).toString(16).padStart(2, '0');
    return `#${level(Math.floor(value / 36))}${level(Math.floor(value / 6) % 6)}${level(value % 6)}`;
  }
  const grey = (8 + (index - 232) * 10).toString(16).padStart(2, '0');
  return `#${grey}${grey}${grey}`;
}

interface Style {
  foreground?: string;
  background?: string;
  isBold: boolean;
  isDim: boolean;
  isInverse: boolean;
  isUnderline: boolean;
}

const plainStyle = (): Style => ({isBold: false, isDim: false, isInverse: false, isUnderline: false});

/** Applies one SGR sequence's parameters (ECMA-48 8.3.117) to a style. */
function applySgr(style: Style, parameters: number[]): Style {
  const next = {...style};
  for (let index = 0; index < parameters.length; index++) {
    const code = parameters[index]!;
    if (code === 0) Object.assign(next, plainStyle(), {foreground: undefined, background: undefined});
    else if (code === 1) next.isBold = true;
    else if (code === 2) next.isDim = true;
    else if (code === 4) next.isUnderline = true;
    else if (code === 7) next.isInverse = true;
    else if (code === 22) next.isBold = next.isDim = false;
    else if (code === 24) next.isUnderline = false;
    else if (code === 27) next.isInverse = false;
    else if (code >= 30 && code <= 37) next.foreground = BASE_COLOURS[code - 30];
    else if (code >= 90 && code <= 97) next.foreground = BASE_COLOURS[code - 90 + 8];
    else if (code === 39) next.foreground = undefined;
    else if (code >= 40 && code <= 47) next.background = BASE_COLOURS[code - 40];
    else if (code >= 100 && code <= 107) next.background = BASE_COLOURS[code - 100 + 8];
    else if (code === 49) next.background = undefined;
    else if ((code === 38 || code === 48) && parameters[index + 1] === 5) {
      const colour = colour256(parameters[index + 2] ?? 0);
      if (code === 38) next.foreground = colour;
      else next.background = colour;
      index += 2;
    } else if ((code === 38 || code === 48) && parameters[index + 1] === 2) {
      const [r, g, b] = parameters
        .slice(index + 2, index + 5)
        .map((value) => value.toString(16).padStart(2, '0'));
      if (code === 38) next.foreground = `#${r}${g}${b}`;
      else next.background = `#${r}${g}${b}`;
      index += 4;
    }
  }
  return next;
}

interface Run {
  readonly column: number;
  readonly text: string;
  readonly style: Style;
}

/** Splits each captured line into runs of one style. */
function runsOf(capture: string): Run[][] {
  const escape = String.fromCharCode(0x1b);
  const sgr = new RegExp(`${escape}\\[([0-9;]*)m`, 'y');
  return capture.split('\n').map((line) => {
    const runs: Run[] = [];
    let style = plainStyle();
    let column = 0;
    let text = '';
    const flush = () => {
      if (text !== '') runs.push({column: column - [...text].length, text, style});
      text = '';
    };
    for (let index = 0; index < line.length;) {
      sgr.lastIndex = index;
      const match = sgr.exec(line);
      if (match !== null) {
        flush();
        style = applySgr(style, match[1] === '' ? [0] : match[1]!.split(';').map(Number));
        index = sgr.lastIndex;
        continue;
      }
      const character = String.fromCodePoint(line.codePointAt(index)!);
      text += character;
      column++;
      index += character.length;
    }
    flush();
    return runs;
  });
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The capture drawn as SVG: a dark terminal, one monospace cell per character. */
function svgOf(capture: string, columns: number, rows: number, title: string): string {
  const cell = {width: 8.4, height: 17};
  const pad = 12;
  const parts: string[] = [];
  runsOf(capture)
    .slice(0, rows)
    .forEach((runs, row) => {
      for (const run of runs) {
        const length = [...run.text].length;
        const x = pad + run.column * cell.width;
        const y = pad + row * cell.height;
        let foreground = run.style.foreground ?? FOREGROUND;
        let background = run.style.background;
        if (run.style.isInverse) [foreground, background] = [background ?? BACKGROUND, foreground];
        if (background !== undefined) {
          parts.push(
            `<rect x="${x.toFixed(1)}" y="${y}" width="${(length * cell.width).toFixed(1)}" height="${cell.height}" fill="${background}"/>`,
          );
        }
        if (run.text.trim() === '') continue;
        const attributes = [
          `x="${x.toFixed(1)}"`,
          `y="${y + 13}"`,
          `textLength="${(length * cell.width).toFixed(1)}"`,
          'lengthAdjust="spacingAndGlyphs"',
          `fill="${foreground}"`,
          run.style.isBold ? 'font-weight="bold"' : '',
          run.style.isDim ? 'opacity="0.6"' : '',
          run.style.isUnderline ? 'text-decoration="underline"' : '',
        ].filter((attribute) => attribute !== '');
        parts.push(`<text ${attributes.join(' ')}>${escapeXml(run.text)}</text>`);
      }
    });
  const width = pad * 2 + columns * cell.width;
  const height = pad * 2 + rows * cell.height;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width.toFixed(0)}" height="${height}" viewBox="0 0 ${width.toFixed(0)} ${height}" role="img" aria-label="${escapeXml(title)}">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="100%" height="100%" rx="6" fill="${BACKGROUND}"/>`,
    `<g font-family="'DejaVu Sans Mono', 'Menlo', 'Consolas', monospace" font-size="14" xml:space="preserve">`,
    ...parts,
    '</g>',
    '</svg>',
    '',
  ].join('\n');
}

function save(name: string, title: string, capture: string, columns: number, rows: number): void {
  writeFileSync(join(MEDIA, `${name}.ansi`), capture);
  writeFileSync(join(MEDIA, `${name}.txt`), stripVTControlCharacters(capture).replace(/[ \t]+$/gm, ''));
  writeFileSync(join(MEDIA, `${name}.svg`), svgOf(capture, columns, rows, title));
  console.log(`media/${name}.{ansi,txt,svg}: ${title}`);
}

async function main(): Promise<void> {
  execFileSync(process.execPath, ['scripts/build.js'], {cwd: ROOT, stdio: 'inherit'});
  mkdirSync(MEDIA, {recursive: true});
  const home = mkdtempSync(join(tmpdir(), 'siths-media-'));
  const environment = (language: string) => ({
    LANG: language,
    TERM: 'xterm-256color',
    COLORTERM: '',
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: home,
    SITHS_UPGRADE_CONFIG_DIR: join(home, 'config'),
    XDG_STATE_HOME: join(home, 'state'),
  });
  const terminals: Terminal[] = [];
  try {
    // The whole demo in Swedish at 100x30.
    const sv = new Terminal(`${process.execPath} dist/cli.js`, 100, 30, environment('sv_SE.UTF-8'));
    terminals.push(sv);
    save(
      'welcome',
      'Steg 1: det här behöver du',
      await sv.waitFor('Det här behöver du', 'Pinkod för Underskrift: 654321'),
      100,
      30,
    );
    sv.press('Enter');
    save(
      'card-overview',
      'Kortet: innehavare, HSA-id, certifikat',
      await sv.waitFor('Kortinnehavare', 'gammalt'),
      100,
      30,
    );
    sv.press('Enter');
    // Keys typed before the PIN field is drawn would be lost: wait for the empty field and its cursor.
    await sv.waitFor('Pinkod för Legitimering: ▁');
    sv.type('1234');
    save('log-in', 'Steg 3: Pinkod för Legitimering, maskerad', await sv.waitFor('●●●●'), 100, 30);
    sv.type('56');
    sv.press('Enter');
    save('menu', 'Steg 4: Uppgradera kort', await sv.waitFor('Vad vill du göra?'), 100, 30);
    sv.press('Enter');
    await sv.waitFor('Jag godkänner villkoren');
    // The card generates the new keys meanwhile; the screen says how far it is.
    await sv.waitFor('nyckelpar klara');
    sv.press('Space');
    save(
      'terms',
      'Steg 5: villkoren, Jag godkänner villkoren, STARTA NEDLADDNING; kortet förbereds',
      await sv.waitFor('[✔]'),
      100,
      30,
    );
    sv.press('Enter');
    await sv.waitFor('Pinkod för Underskrift: ▁');
    sv.type('6543');
    save(
      'signature-pin',
      'Före nedladdningen: Pinkod för Underskrift, maskerad',
      await sv.waitFor('●●●●'),
      100,
      30,
    );
    sv.type('21');
    sv.press('Enter');
    save(
      'progress',
      'Steg 7: genererar certifikatsbegäran, TA INTE UR KORTET',
      await sv.waitFor('Installerade: 1 av 4'),
      100,
      30,
    );
    save(
      'done',
      'Steg 10: klart, du kan nu ta ur kortet',
      await sv.waitFor('Du kan nu ta ur kortet'),
      100,
      30,
    );
    sv.press('q');

    // The smallest layout, in English: 80x24, up to the progress screen.
    const en = new Terminal(`${process.execPath} dist/cli.js --lang en`, 80, 24, environment('en_GB.UTF-8'));
    terminals.push(en);
    await en.waitFor('You need:', 'Signature PIN: 654321');
    en.press('Enter');
    await en.waitFor('Card holder');
    en.press('Enter');
    await en.waitFor('Authentication PIN: ▁');
    en.type('123456');
    en.press('Enter');
    await en.waitFor('What do you want to do?');
    en.press('Enter');
    await en.waitFor('I accept the terms');
    en.press('Space', 'Enter');
    await en.waitFor('Signature PIN: ▁');
    en.type('654321');
    en.press('Enter');
    save(
      'progress-80x24-en',
      'Step 7 at 80x24: DO NOT REMOVE THE CARD',
      await en.waitFor('Installed: 1 of 4'),
      80,
      24,
    );
    en.press('Escape');

    // An error with its way forward: a real card is asked for, and pcscd is not running here.
    const ca = join(home, 'ca.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        join(home, 'ca.key'),
        '-out',
        ca,
        '-subj',
        '/CN=Example CA',
        '-days',
        '1',
      ],
      {stdio: 'ignore'},
    );
    const error = new Terminal(
      `${process.execPath} dist/cli.js --service https://upgrade.example --service-ca ${ca}`,
      100,
      30,
      {...environment('sv_SE.UTF-8'), PCSCLITE_CSOCK_NAME: join(home, 'no-pcscd.comm')},
    );
    terminals.push(error);
    await error.waitFor('Det här behöver du');
    error.press('Enter');
    save(
      'error',
      'Ett fel med vägen vidare: kortläsartjänsten körs inte',
      await error.waitFor('Så går du vidare'),
      100,
      30,
    );
  } finally {
    for (const terminal of terminals) terminal.kill();
    rmSync(home, {recursive: true, force: true});
  }
}

await main();
