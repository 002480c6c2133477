import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {DEFAULT_PLANS, loadServiceSettings, parseDirectory, parseTerms} from '../../source/service/config.js';
import {createDemoSetup} from '../../source/service/demo-setup.js';
import {ServiceSetupError} from '../../source/service/errors.js';

describe('loadServiceSettings', () => {
  let directory: string;
  let configPath: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'siths-config-'));
    configPath = (await createDemoSetup(join(directory, 'demo'), {keyAlgorithm: 'ecc-p256'})).configPath;
  });
  afterAll(() => rm(directory, {recursive: true, force: true}));

  it('reads the demo config and every file it names', async () => {
    const settings = await loadServiceSettings(configPath);
    expect(settings.authorities.map((authority) => authority.id)).toEqual([
      'root',
      'hsa-id',
      'personnummer',
      'old',
    ]);
    expect(settings.authorities.find((authority) => authority.id === 'root')?.privateKey).toBeUndefined();
    expect(settings.plans.piv.every((item) => item.keyAlgorithm === 'ecc-p256')).toBe(true);
    expect(settings.plans['siths-eid'].every((item) => item.keyAlgorithm === 'rsa-2048')).toBe(true);
    expect(settings.managementKeys.masterSecret).toHaveLength(32);
    expect(settings.persons.length).toBeGreaterThan(0);
    expect(settings.terms.at(-1)?.version).toBe('2026-1');
  });

  const item = (fields: Record<string, string>) => ({
    identity: 'hsa-id',
    purpose: 'signature',
    keyAlgorithm: 'rsa-2048',
    slot: '9c',
    pinPolicy: 'always',
    ...fields,
  });

  it.each([
    [
      'a missing section',
      (config: Record<string, unknown>) => delete config.tls,
      /\.tls: expected an object/,
    ],
    [
      'an issuer without a key',
      (config: Record<string, unknown>) => ((config.issuers as Record<string, string>)['hsa-id'] = 'root'),
      /has no privateKey/,
    ],
    [
      'an unknown authority',
      (config: Record<string, unknown>) => (config.loginTrustAnchors = ['nobody']),
      /names no authority/,
    ],
    [
      'a PIV plan slot that is no PIV slot',
      (config: Record<string, unknown>) => (config.plans = {piv: [item({slot: '9d'})]}),
      /\.plans\.piv\[0\]\.slot: 9d is not a PIV slot/,
    ],
    [
      'a SITHS EID key reference in the PIV plan',
      (config: Record<string, unknown>) => (config.plans = {piv: [item({slot: '03'})]}),
      /\.plans\.piv\[0\]\.slot: 03 is not a PIV slot/,
    ],
    [
      'an ECC item in the SITHS EID plan',
      (config: Record<string, unknown>) =>
        (config.plans = {'siths-eid': [item({slot: '05', keyAlgorithm: 'ecc-p256'})]}),
      /\.plans\.siths-eid\[0\]\.keyAlgorithm: ecc-p256: a SITHS EID card holds RSA-2048 keys only/,
    ],
    [
      'a PIV slot in the SITHS EID plan',
      (config: Record<string, unknown>) => (config.plans = {'siths-eid': [item({slot: '9a'})]}),
      /\.plans\.siths-eid\[0\]\.slot: 9a is not a SITHS EID key reference/,
    ],
    [
      'a slot that is not two lower-case hex digits',
      (config: Record<string, unknown>) => (config.plans = {'siths-eid': [item({slot: '5'})]}),
      /\.plans\.siths-eid\[0\]\.slot: does not match/,
    ],
    [
      'a plan for a profile that does not exist',
      (config: Record<string, unknown>) => (config.plans = {pkcs15: [item({})]}),
      /\.plans\.pkcs15: is not a card profile/,
    ],
    [
      'a password in the PostgreSQL URL',
      (config: Record<string, unknown>) => (config.store = 'postgresql://siths:hunter2@db.example/siths'),
      /\.store: holds a password; put it in the file storePasswordFile names, or in PGPASSWORD/,
    ],
    [
      'a password as a parameter of the PostgreSQL URL',
      (config: Record<string, unknown>) =>
        (config.store = 'postgresql://siths@/siths?host=/run/pg&password=x'),
      /\.store: holds a password/,
    ],
    [
      'a password file for a SQLite store',
      (config: Record<string, unknown>) => (config.storePasswordFile = 'private/store-password'),
      /\.storePasswordFile: is only for a postgresql:\/\/ store/,
    ],
    [
      'the one-profile "plan" key of earlier configs',
      (config: Record<string, unknown>) => (config.plan = [item({})]),
      /\.plan: is now "plans"/,
    ],
  ])('names the place of %s in the config', async (_, change, message) => {
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    change(config);
    const changed = join(directory, 'demo', 'changed.json');
    await writeFile(changed, JSON.stringify(config));
    const failure = await loadServiceSettings(changed).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceSetupError);
    expect((failure as ServiceSetupError).code).toBe('config-invalid');
    expect((failure as Error).message).toMatch(message);
  });

  it('gives each profile its default plan when the config names none', async () => {
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    delete config.plans;
    const changed = join(directory, 'demo', 'default-plans.json');
    await writeFile(changed, JSON.stringify(config));
    const settings = await loadServiceSettings(changed);
    expect(settings.plans).toEqual(DEFAULT_PLANS);
    expect(
      settings.plans['siths-eid'].map((entry) => [entry.slot, entry.keyAlgorithm, entry.pinPolicy]),
    ).toEqual([
      ['03', 'rsa-2048', 'once'],
      ['04', 'rsa-2048', 'always'],
      ['05', 'rsa-2048', 'once'],
      ['06', 'rsa-2048', 'always'],
    ]);
  });

  it('reads the PostgreSQL password from the file the config names, and keeps the URL as it is', async () => {
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>;
    config.store = 'postgresql://siths@/siths?host=/run/postgresql';
    config.storePasswordFile = 'private/store-password';
    await writeFile(join(directory, 'demo', 'private', 'store-password'), 'correct horse\n');
    const changed = join(directory, 'demo', 'postgresql.json');
    await writeFile(changed, JSON.stringify(config));
    const settings = await loadServiceSettings(changed);
    expect(settings.store).toBe('postgresql://siths@/siths?host=/run/postgresql');
    expect(settings.storePassword).toBe('correct horse');
  });

  it('says which file it cannot read', async () => {
    await expect(loadServiceSettings(join(directory, 'absent.json'))).rejects.toMatchObject({
      code: 'config-unreadable',
    });
  });

  it('never puts a secret in its error messages', async () => {
    const config = JSON.parse(await readFile(configPath, 'utf8')) as {managementKeys: {masterSecret: string}};
    const secretPath = join(directory, 'demo', 'private', 'short.key');
    await writeFile(secretPath, 'cafebabe0123456789');
    config.managementKeys.masterSecret = 'private/short.key';
    const changed = join(directory, 'demo', 'short-secret.json');
    await writeFile(changed, JSON.stringify(config));
    const failure = (await loadServiceSettings(changed).catch((error: unknown) => error)) as Error;
    expect(failure.message).toContain('must hold 32 bytes');
    expect(failure.message).not.toContain('cafebabe');
  });
});

describe('parseDirectory', () => {
  it('refuses a card listed twice, a malformed HSA-id and a personnummer with a wrong check digit', () => {
    const person = (hsaId: string, card: string) => ({
      hsaId,
      personnummer: '191212121212',
      givenName: 'A',
      surname: 'B',
      organisation: 'C',
      cards: [{number: card, status: 'received'}],
    });
    expect(() =>
      parseDirectory({persons: [person('SE2321000016-1', '1'), person('SE2321000016-2', '1')]}, 'd'),
    ).toThrow(/appears twice/);
    expect(() => parseDirectory({persons: [person('2321000016-1', '1')]}, 'd')).toThrow(
      /hsaId: is not an HSA-id/,
    );
    const wrongCheckDigit = {...person('SE2321000016-3', '3'), personnummer: '191212121213'};
    expect(() => parseDirectory({persons: [wrongCheckDigit]}, 'd')).toThrow(/personnummer: is not a valid/);
    expect(() => parseTerms({versions: []}, 't')).toThrow(/empty/);
  });
});
