import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditStore } from '../../src/store/audit-store.js';
import { ControlServer } from '../support/control-server.js';
import { eventually } from './engine-harness.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/crash-engine.ts', import.meta.url));
const REPOSITORY_ROOT = fileURLToPath(new URL('../../', import.meta.url));

function runFixture(dbPath: string, address: string, mode: 'crash' | 'resume'): { child: ChildProcess; output: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dbPath, address, mode], { cwd: REPOSITORY_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const output = new Promise<string>((resolve, reject) => {
    child.on('exit', (code, signal) => {
      if (code === 0 || signal === 'SIGKILL') resolve(stdout);
      else reject(new Error(`fixture exited with ${code ?? signal}: ${stderr}`));
    });
  });
  return { child, output };
}

describe('RecoveryEngine after SIGKILL', () => {
  let directory: string | undefined;
  let server: ControlServer | undefined;

  afterEach(async () => {
    await server?.stop();
    if (directory !== undefined) rmSync(directory, { recursive: true, force: true });
  });

  it('keeps every audit row and resumes without rerunning a finished step', async () => {
    directory = mkdtempSync(join(tmpdir(), 'faultline-crash-'));
    const dbPath = join(directory, 'audit.db');
    server = await ControlServer.start({ script: [{ kind: 'apply' }, { kind: 'apply_and_hang' }] });
    const current = server;

    const crashing = runFixture(dbPath, current.address, 'crash');
    await eventually(() => expect(current.requestsWithKey('inc-1:restart:1')).toHaveLength(1), 15_000);
    crashing.child.kill('SIGKILL');
    await crashing.output;

    const afterCrash = new AuditStore(dbPath);
    const rows = afterCrash.records('inc-1').map((record) => [record.event, record.stepIndex, record.outcome]);
    expect(rows).toEqual([
      ['decision', null, 'recovery_started'],
      ['call_started', 0, 'started'],
      ['call_finished', 0, 'applied'],
      ['decision', 0, 'still_failing'],
      ['call_started', 1, 'started'],
    ]);
    expect(afterCrash.getRecovery('inc-1')?.progress).toEqual({ status: 'executing', stepIndex: 1 });
    expect(afterCrash.finishedSteps('inc-1', 1)).toEqual(new Map([[0, 'applied']]));
    afterCrash.close();

    const resumed = runFixture(dbPath, current.address, 'resume');
    const result = JSON.parse(await resumed.output) as { progress: unknown; states: string[] };

    expect(result.progress).toEqual({ status: 'recovered' });
    expect(result.states).toEqual(['mitigating', 'resolved']);
    expect(current.requestsWithKey('inc-1:restart:0')).toHaveLength(1);
    expect(current.requestsWithKey('inc-1:restart:1')).toHaveLength(2);
    const afterResume = new AuditStore(dbPath);
    const finished = afterResume.records('inc-1').filter((record) => record.event === 'call_finished');
    expect(finished.map((record) => [record.stepIndex, record.outcome])).toEqual([
      [0, 'applied'],
      [1, 'already_applied'],
    ]);
    expect(afterResume.records('inc-1').map((record) => record.outcome)).toContain('recovery_resumed');
    afterResume.close();
  });
});
