import {X509Certificate} from 'node:crypto';
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {createCertificateAuthority} from '../../source/pki/issue.js';
import {runCliFromSources, type CliAnswer} from '../support/run-cli.js';

let home: string;
beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'siths-cli-'));
});
afterEach(() => {
  rmSync(home, {recursive: true, force: true});
});

/** Runs the CLI from the sources in a Swedish locale with its own settings and state directories. */
function cli(argv: readonly string[]): Promise<CliAnswer> {
  return runCliFromSources(argv, {home, lang: 'sv_SE.UTF-8'});
}

describe('the command line, as a process', () => {
  it('refuses a --service that is not a URL as a usage error (exit 2), saying why, in English with --lang en', async () => {
    const answer = await cli(['--service', 'not a url', '--plain', '--lang', 'en']);
    expect(answer.code).toBe(2);
    expect(answer.stderr).toContain("The upgrade service's address is not a URL: not a url.");
    expect(answer.stderr).toContain('https://host');
  });

  it('refuses an http --service (exit 2), saying only https is accepted', async () => {
    const answer = await cli(['status', '--service', 'http://upgrade.example']);
    expect(answer.code).toBe(2);
    expect(answer.stderr).toContain('måste börja med https://');
  });

  it('names a corrupt settings file, says what is wrong and how to fix it, in English with --lang en (exit 2)', async () => {
    const path = join(home, 'config', 'config.json');
    mkdirSync(join(home, 'config'));
    const text = '{"service": "https://upgrade.example",\n "lang" "en"}';
    writeFileSync(path, text);
    for (const argv of [
      ['status', '--lang', 'en'],
      ['--lang', 'en', 'config', 'list'],
    ]) {
      const answer = await cli(argv);
      expect(answer.code).toBe(2);
      expect(answer.stderr).toContain(`The settings file ${path} is not valid JSON (line 2, column 9).`);
      expect(answer.stderr).toContain('Correct it, or remove it.');
      expect(answer.stderr).toContain('siths-upgrade config set');
      expect(answer.stderr).not.toMatch(/Fel|Unexpected/);
    }
    const swedish = await cli(['status']);
    expect(swedish.code).toBe(2);
    expect(swedish.stderr).toContain(`Inställningsfilen ${path} är inte giltig JSON (rad 2, kolumn 9).`);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('refuses an http service from the settings file too, naming the file and how to change it', async () => {
    const path = join(home, 'config', 'config.json');
    mkdirSync(join(home, 'config'));
    const authority = await createCertificateAuthority({
      name: [{type: 'commonName', value: 'Test CA'}],
      keyAlgorithm: 'ecc-p256',
      notBefore: new Date(Date.now() - 1000),
      notAfter: new Date(Date.now() + 86_400_000),
    });
    writeFileSync(join(home, 'ca.pem'), new X509Certificate(authority.certificate).toString());
    writeFileSync(path, JSON.stringify({service: 'http://127.0.0.1:9', 'service-ca': join(home, 'ca.pem')}));
    const answer = await cli(['--plain', '--lang', 'en']);
    expect(answer.code).toBe(2);
    expect(answer.stderr).toContain("The upgrade service's address must start with https://");
    expect(answer.stderr).toContain(`It is the service setting in ${path}`);
  });
});
