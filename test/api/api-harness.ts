/**
 * Runs a real FaultlineService in the test process with the status API on a free loopback
 * port, sends it failing traces over OTLP/HTTP JSON, and signs tokens for its auth config.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT, type JWTPayload } from 'jose';
import { pino } from 'pino';
import { parseConfigText } from '../../src/config/faultline-config.js';
import { FaultlineService } from '../../src/service.js';

/** The HS256 secret of the auth config; 32 bytes or more, as HS256 requires. */
export const JWT_SECRET = 'api-test-secret-0123456789abcdef0123';
export const JWT_AUDIENCE = 'faultline-api-test';
export const JWT_ISSUER = 'https://issuer.test';
const JWT_SECRET_ENV = 'FAULTLINE_API_TEST_JWT_SECRET';

export const POLICY_NAME = 'neuroweaver_model';

export interface HarnessOptions {
  /** Require HS256 tokens signed with JWT_SECRET. */
  auth?: boolean;
  /** host:port of a RecoveryControl server; recovery is off without it. */
  controlAddress?: string;
  /** The dashboard directory; default a directory that does not exist. */
  dashboardDirectory?: string;
}

export interface RunningFaultline {
  service: FaultlineService;
  /** http://host:port of the status API. */
  baseUrl: string;
  /** http://host:port of the OTLP/HTTP receiver. */
  otlpHttpUrl: string;
  stop(): Promise<void>;
}

export async function startFaultline(options: HarnessOptions = {}): Promise<RunningFaultline> {
  const directory = mkdtempSync(join(tmpdir(), 'faultline-api-'));
  const config = parseConfigText(configText(options, directory), { [JWT_SECRET_ENV]: JWT_SECRET }, 'api test config');
  const service = new FaultlineService(config, pino({ level: 'silent' }));
  await service.start();

  const addresses = service.addresses();
  if (addresses.http === undefined || addresses.status_api === undefined) throw new Error(`faultline started without http or status_api: ${JSON.stringify(addresses)}`);
  return {
    service,
    baseUrl: `http://${addresses.status_api}`,
    otlpHttpUrl: `http://${addresses.http}`,
    stop: async () => {
      await service.shutdown();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function configText(options: HarnessOptions, directory: string): string {
  const statusApi = ['endpoint: 127.0.0.1:0', 'trace_url_template: "http://jaeger.test/trace/{traceId}"'];
  if (options.auth === true) {
    statusApi.push(`auth: { jwt: { algorithms: [HS256], secret_env: ${JWT_SECRET_ENV}, audience: ${JWT_AUDIENCE}, issuer: "${JWT_ISSUER}", clock_tolerance: 0s } }`);
  }
  const extensions = ['status_api'];
  let recovery = '';
  if (options.controlAddress !== undefined) {
    extensions.push('recovery');
    recovery = `  recovery:
    targets:
      neuroweaver: { endpoints: [${JSON.stringify(options.controlAddress)}], tls: { insecure: true }, timeout: 5s }
    policies:
      - name: ${POLICY_NAME}
        match: { system: NeuroWeaver }
        steps:
          - { action: switch_model, target: neuroweaver, component: model }
        verify: { window: 30s }
        cooldown: 0s
    audit: { path: ${JSON.stringify(join(directory, 'audit.db'))} }
`;
  }
  return `receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:0 }
processors:
  errorcorrelation:
    wait_duration: 20ms
    incidents: { window: 30s, min_traces: 1, min_error_ratio: 0, resolve_after: 5m }
extensions:
  status_api: { ${statusApi.join(', ')} }
${recovery}service:
  extensions: [${extensions.join(', ')}]
  pipelines:
    traces: { receivers: [otlp], processors: [errorcorrelation] }
`;
}

/** Sends one failing single-span trace of `service` in `system`; returns its trace id. */
export async function sendFailingTrace(otlpHttpUrl: string, system: string, service: string): Promise<string> {
  const traceId = randomBytes(16).toString('hex');
  const nowNs = BigInt(Date.now()) * 1_000_000n;
  const body = {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: 'service.name', value: { stringValue: service } },
            { key: 'service.namespace', value: { stringValue: system } },
          ],
        },
        scopeSpans: [
          {
            spans: [
              {
                traceId,
                spanId: randomBytes(8).toString('hex'),
                name: 'Infer',
                kind: 2,
                startTimeUnixNano: String(nowNs - 5_000_000n),
                endTimeUnixNano: String(nowNs),
                status: { code: 2, message: 'model weights missing' },
                attributes: [{ key: 'error.type', value: { stringValue: 'ModelLoadError' } }],
              },
            ],
          },
        ],
      },
    ],
  };
  const response = await fetch(`${otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status !== 200) throw new Error(`OTLP export answered ${response.status}: ${await response.text()}`);
  return traceId;
}

/** Polls `read` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, read: () => Promise<T | undefined> | T | undefined, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Signs an HS256 token for the harness auth config; `claims` override the defaults. */
export function signToken(roles: string[], claims: JWTPayload = {}, expiresIn: string | number = '10m'): Promise<string> {
  return new SignJWT({ roles, ...claims })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(expiresIn)
    .sign(new TextEncoder().encode(JWT_SECRET));
}

export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}` };
}
