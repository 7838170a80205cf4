/** The refresh's Kafka login (the Swarm stack's broker authenticates every client). */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCommandLine } from './refresh';

const SASL_ENV = [
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_SASL_PASSWORD_FILE',
  'KAFKA_SASL_MECHANISM',
];

describe('refresh: Kafka SASL options', () => {
  let saved: Record<string, string | undefined>;
  let passwordFile: string;

  beforeEach(() => {
    saved = Object.fromEntries(SASL_ENV.map((name) => [name, process.env[name]]));
    for (const name of SASL_ENV) delete process.env[name];
    passwordFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'refresh-')), 'password');
    fs.writeFileSync(passwordFile, 's3cret\n');
  });

  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('logs in to no broker by default', () => {
    expect(parseCommandLine([]).kafkaSasl).toBeUndefined();
  });

  it('takes the user and password file from the command line, SCRAM-SHA-512 by default', () => {
    expect(
      parseCommandLine(['--kafka-username', 'admin', '--kafka-password-file', passwordFile])
        .kafkaSasl,
    ).toEqual({ mechanism: 'scram-sha-512', username: 'admin', password: 's3cret' });
  });

  it("reads the services' variables", () => {
    process.env.KAFKA_SASL_USERNAME = 'admin';
    process.env.KAFKA_SASL_PASSWORD_FILE = passwordFile;
    process.env.KAFKA_SASL_MECHANISM = 'SCRAM-SHA-256';
    expect(parseCommandLine([]).kafkaSasl).toEqual({
      mechanism: 'scram-sha-256',
      username: 'admin',
      password: 's3cret',
    });
  });

  it('refuses a user without a password, and an unknown mechanism', () => {
    expect(() => parseCommandLine(['--kafka-username', 'admin'])).toThrow(/needs its password/);
    expect(() =>
      parseCommandLine([
        '--kafka-username',
        'admin',
        '--kafka-password-file',
        passwordFile,
        '--kafka-mechanism',
        'gssapi',
      ]),
    ).toThrow(/--kafka-mechanism/);
  });
});
