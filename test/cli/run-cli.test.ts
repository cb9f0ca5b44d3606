import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import type { Incident } from '../../src/correlation/incident.js';

const CALLER_SPAN = 'aaaaaaaaaaaaaaa1';
const CLIENT_SPAN = 'aaaaaaaaaaaaaaa2';
const CALLEE_SPAN = 'bbbbbbbbbbbbbbb1';

/** Collects what the command writes, and the JSON log lines as objects. */
class CapturedOutput {
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly log = new PassThrough();
  readonly logLines: Record<string, unknown>[] = [];
  private stdoutText = '';
  private stderrText = '';

  constructor() {
    this.stdout.on('data', (chunk: Buffer) => (this.stdoutText += chunk.toString()));
    this.stderr.on('data', (chunk: Buffer) => (this.stderrText += chunk.toString()));
    let pending = '';
    this.log.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) this.logLines.push(JSON.parse(line) as Record<string, unknown>);
    });
  }

  get out(): string {
    return this.stdoutText;
  }

  get err(): string {
    return this.stderrText;
  }

  async waitForLog(message: string): Promise<Record<string, unknown>> {
    for (let attempt = 0; attempt < 200; attempt += 1) {
      const line = this.logLines.find((entry) => entry['msg'] === message);
      if (line !== undefined) return line;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no log line "${message}"; got ${this.logLines.map((entry) => String(entry['msg'])).join(', ')}`);
  }
}

function writeConfig(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'faultline-run-')), 'config.yaml');
  writeFileSync(path, text);
  return path;
}

const RUNNING_CONFIG = `
receivers:
  otlp:
    protocols:
      http: { endpoint: 127.0.0.1:0 }
processors:
  errorcorrelation:
    wait_duration: 100ms
    incidents: { min_traces: 2, min_error_ratio: 0, window: 1m, resolve_after: 1m }
extensions:
  status_api: { endpoint: 127.0.0.1:0 }
service:
  extensions: [status_api]
  pipelines:
    traces: { receivers: [otlp], processors: [errorcorrelation] }
`;

/** Builds one failing trace in OTLP/JSON, in which RelayCore's router calls NeuroWeaver's failing model. */
function failingTrace(traceId: string): unknown {
  const resource = (service: string, system: string): unknown => ({
    attributes: [
      { key: 'service.name', value: { stringValue: service } },
      { key: 'service.namespace', value: { stringValue: system } },
    ],
  });
  const span = (spanId: string, parentSpanId: string, kind: number, message: string): unknown => ({
    traceId,
    spanId,
    parentSpanId,
    name: 'Predict',
    kind,
    startTimeUnixNano: '1700000000000000000',
    endTimeUnixNano: '1700000000050000000',
    status: { code: 2, message },
  });
  return {
    resourceSpans: [
      { resource: resource('router', 'RelayCore'), scopeSpans: [{ spans: [span(CALLER_SPAN, '', 2, 'upstream failed'), span(CLIENT_SPAN, CALLER_SPAN, 3, 'INTERNAL')] }] },
      { resource: resource('model', 'NeuroWeaver'), scopeSpans: [{ spans: [span(CALLEE_SPAN, CLIENT_SPAN, 2, 'model weights failed to load')] }] },
    ],
  };
}

describe('runCli', () => {
  it('prints usage and exits 0 for --help', async () => {
    const output = new CapturedOutput();

    expect(await runCli(['--help'], output)).toBe(0);
    expect(output.out).toMatch(/Usage: faultline --config PATH/);
  });

  it('exits 2 for an unknown option', async () => {
    const output = new CapturedOutput();

    expect(await runCli(['--verbose'], output)).toBe(2);
    expect(output.err).toMatch(/Unknown option '--verbose'/);
  });

  it('exits 78 naming the invalid key', async () => {
    const output = new CapturedOutput();
    const path = writeConfig(RUNNING_CONFIG.replace('wait_duration: 100ms', 'wait_duration: soon'));

    expect(await runCli(['--config', path], output)).toBe(78);
    expect(output.err).toContain('processors.errorcorrelation.wait_duration must be a positive duration');
  });

  it('exits 1 when a port is taken', async () => {
    const first = new CapturedOutput();
    const running = runCli(['--config', writeConfig(RUNNING_CONFIG)], first);
    const listening = await first.waitForLog('faultline listening');
    const { http } = listening['addresses'] as { http: string };

    const second = new CapturedOutput();
    const code = await runCli(['--config', writeConfig(RUNNING_CONFIG.replace('127.0.0.1:0 }\nprocessors', `${http} }\nprocessors`))], second);
    process.emit('SIGTERM');

    expect(code).toBe(1);
    expect(await second.waitForLog('faultline failed to start')).toMatchObject({ level: 60 });
    expect(second.err).toContain('an address in the config is already in use');
    expect(await running).toBe(0);
  });

  it('opens an incident from OTLP traffic and stops on SIGTERM', async () => {
    const output = new CapturedOutput();
    const running = runCli(['--config', writeConfig(RUNNING_CONFIG)], output);
    const listening = await output.waitForLog('faultline listening');
    const addresses = listening['addresses'] as { http: string; status_api: string };

    for (const traceId of ['0af7651916cd43dd8448eb211c80319c', '1af7651916cd43dd8448eb211c80319c']) {
      const response = await fetch(`http://${addresses.http}/v1/traces`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(failingTrace(traceId)),
      });
      expect(response.status).toBe(200);
    }
    const opened = await output.waitForLog('incident opened');
    const incidents = (await (await fetch(`http://${addresses.status_api}/api/v1/incidents`)).json()) as { incidents: Incident[] };
    const status = (await (await fetch(`http://${addresses.status_api}/api/v1/status`)).json()) as Record<string, unknown>;
    process.emit('SIGTERM');

    expect(opened['rootCause']).toMatchObject({ service: 'model', system: 'NeuroWeaver' });
    expect(opened['path']).toEqual([
      { service: 'router', system: 'RelayCore' },
      { service: 'model', system: 'NeuroWeaver' },
    ]);
    expect(incidents.incidents.map((incident) => incident.rootCause.service)).toEqual(['model']);
    expect(status).toMatchObject({
      correlation: { verdicts: { failed: 2 } },
      incidents: { activeBySystem: { NeuroWeaver: 1 }, dropped: { ungroupedFailures: 0, untrackedServices: 0, serviceGraphEntries: 0 } },
    });
    expect(await running).toBe(0);
    expect(await output.waitForLog('faultline stopped')).toBeDefined();
  });
});
