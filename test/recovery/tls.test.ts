import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ControlServer } from '../support/control-server.js';
import { auditOutcomes, createEngine, eventually, openIncident, policyFor } from './engine-harness.js';
import type { EngineHarness } from './engine-harness.js';
import { makeIncident } from './fake-incident-control.js';

/** Issues a test CA, a server certificate for 127.0.0.1 and a client certificate with openssl. */
function issueCertificates(directory: string): void {
  const run = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: directory, stdio: 'ignore' });
  };
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  writeFileSync(join(directory, 'server.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run('req', '-x509', ...newKey, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=faultline-test-ca');
  for (const name of ['server', 'client']) {
    run('req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
    const extension = name === 'server' ? ['-extfile', 'server.ext'] : [];
    run('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', ...extension);
  }
}

describe('RecoveryEngine over mutual TLS', () => {
  const directory = mkdtempSync(join(tmpdir(), 'faultline-tls-'));
  const file = (name: string): string => join(directory, name);
  let server: ControlServer | undefined;
  let harness: EngineHarness | undefined;

  beforeAll(async () => {
    issueCertificates(directory);
    server = await ControlServer.start({
      credentials: grpc.ServerCredentials.createSsl(
        readFileSync(file('ca.pem')),
        [{ private_key: readFileSync(file('server.key')), cert_chain: readFileSync(file('server.pem')) }],
        true,
      ),
    });
  });

  afterEach(async () => {
    await harness?.engine.shutdown();
    harness = undefined;
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(directory, { recursive: true, force: true });
  });

  function engineWithTls(tls: Record<string, unknown>): EngineHarness {
    const address = server?.address ?? '';
    return createEngine({
      targets: { worker: { endpoints: [address], tls, timeout: '2s', health_check_interval: '0s' } },
      policies: [policyFor('restart', ['worker'], { retry: { max_attempts: 1 } })],
    });
  }

  it('calls with a client certificate', async () => {
    harness = engineWithTls({ ca_file: file('ca.pem'), cert_file: file('client.pem'), key_file: file('client.key') });
    const current = harness;

    openIncident(current, makeIncident('inc-tls'));
    await eventually(() => expect(current.control.statesOf('inc-tls')).toEqual(['mitigating']));

    expect(server?.requestsWithKey('inc-tls:restart:0')).toHaveLength(1);
  });

  it('fails without a client certificate', async () => {
    harness = engineWithTls({ ca_file: file('ca.pem') });
    const current = harness;

    openIncident(current, makeIncident('inc-plain'));
    await eventually(() => expect(current.control.statesOf('inc-plain')).toEqual(['escalated']));

    expect(server?.requestsWithKey('inc-plain:restart:0')).toHaveLength(0);
    expect(auditOutcomes(current, 'inc-plain', 'call_finished')).toEqual(['unavailable']);
  });
});
