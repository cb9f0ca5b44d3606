import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's prometheus-alertmanager package installs the binary. */
export const ALERTMANAGER_BINARY = '/usr/bin/prometheus-alertmanager';

const READY_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 50;
const MAX_OUTPUT_CHARS = 4_000;

// A test run that fails or is aborted must not leave Alertmanager running.
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A real Alertmanager child process on 127.0.0.1 with its own config and storage in a temp directory. */
export interface RunningAlertmanager {
  /** The base URL, such as `http://127.0.0.1:40123`. */
  url: string;
  stop(): Promise<void>;
}

/** Returns a port that was free a moment ago, for programs that cannot listen on port 0 and report it. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Writes a config that routes every alert to `webhookUrl` (grouped by incident, sent at once,
 * with resolved notifications), starts Alertmanager with clustering off, and waits until
 * `/-/ready` returns 200.
 */
export async function startAlertmanager(webhookUrl: string): Promise<RunningAlertmanager> {
  const directory = mkdtempSync(join(tmpdir(), 'faultline-alertmanager-'));
  const configFile = join(directory, 'alertmanager.yml');
  writeFileSync(configFile, alertmanagerConfig(webhookUrl));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;

  const child = spawn(
    ALERTMANAGER_BINARY,
    [`--config.file=${configFile}`, `--storage.path=${join(directory, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-MAX_OUTPUT_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const stop = async (): Promise<void> => {
    await killProcess(child);
    rmSync(directory, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(url, child);
  } catch (error) {
    await stop();
    throw new Error(`alertmanager did not become ready: ${(error as Error).message}\n${output}`, { cause: error });
  }
  return { url, stop };
}

function alertmanagerConfig(webhookUrl: string): string {
  return [
    'route:',
    '  receiver: webhook',
    "  group_by: ['incident_id']",
    '  group_wait: 0s',
    '  group_interval: 1s',
    '  repeat_interval: 24h',
    'receivers:',
    '  - name: webhook',
    '    webhook_configs:',
    `      - url: ${JSON.stringify(webhookUrl)}`,
    '        send_resolved: true',
    '',
  ].join('\n');
}

async function waitUntilReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`it exited with code ${child.exitCode}`);
    const ready = await fetch(`${url}/-/ready`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  throw new Error(`GET ${url}/-/ready did not return 200 within ${READY_TIMEOUT_MS} ms`);
}

async function killProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
