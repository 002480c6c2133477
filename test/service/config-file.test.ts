import {describe, expect, it} from 'vitest';
import type {TSchema} from 'typebox';
import {checkShape, configFileSchema, directoryFileSchema} from '../../source/service/config-file.js';
import {ServiceSetupError} from '../../source/service/errors.js';

const config = {
  listen: {host: '127.0.0.1', port: 8443},
  tls: {
    certificate: 'tls/server.pem',
    privateKey: 'private/server.key',
    caCertificate: 'authorities/root.pem',
  },
  store: ':memory:',
  directory: 'directory.json',
  terms: 'terms.json',
  authorities: [{id: 'root', certificate: 'authorities/root.pem'}],
  root: 'root',
  loginTrustAnchors: ['root'],
  issuers: {'hsa-id': 'root', personnummer: 'root'},
  managementKeys: {masterSecret: 'private/master.key'},
};

function problemOf(json: unknown, schema: TSchema = configFileSchema): string {
  try {
    checkShape(schema, json, 'config.json');
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceSetupError);
    expect((error as ServiceSetupError).code).toBe('config-invalid');
    return (error as Error).message;
  }
  return 'accepted';
}

describe('checkShape', () => {
  it('accepts a complete config and gives it back typed', () => {
    expect(checkShape(configFileSchema, config, 'config.json').listen.port).toBe(8443);
  });

  it.each([
    ['a missing section', {tls: undefined}, 'config.json.tls: expected an object'],
    [
      'a port out of range',
      {listen: {host: 'h', port: 70_000}},
      'config.json.listen.port: expected an integer from 0 to 65535',
    ],
    ['an empty string', {store: ''}, 'config.json.store: expected a non-empty string'],
    ['a wrong pattern', {publicUrl: 'ftp://x'}, 'config.json.publicUrl: does not match ^https?://[^/]+$'],
    [
      'an element that is not an object',
      {authorities: [3]},
      'config.json.authorities[0]: expected an object',
    ],
    [
      'an empty list of anchors',
      {loginTrustAnchors: []},
      'config.json.loginTrustAnchors: expected a non-empty array of strings',
    ],
    [
      'an anchor that is not a string',
      {loginTrustAnchors: [3]},
      'config.json.loginTrustAnchors: expected a non-empty array of strings',
    ],
    [
      'a word outside its list',
      {
        plans: {
          piv: [
            {identity: 'hsa-id', purpose: 'login', keyAlgorithm: 'rsa-2048', slot: '9a', pinPolicy: 'once'},
          ],
        },
      },
      'config.json.plans.piv[0].purpose: expected one of authentication, signature',
    ],
    [
      'a card number key that looks like an index',
      {managementKeys: {masterSecret: 'm', fixed: {'1': ''}}},
      'config.json.managementKeys.fixed.1: expected a non-empty string',
    ],
  ])('names the JSON path and the problem of %s', (_, change, message) => {
    expect(problemOf({...config, ...change})).toBe(message);
  });

  it('refuses a file that is not an object', () => {
    expect(problemOf([], directoryFileSchema)).toBe('config.json: expected an object');
  });
});
