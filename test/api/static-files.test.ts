import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatusServer } from '../../src/api/status-server.js';
import { sendHttp } from '../support/otlp-test-requests.js';
import { StubStatusSource } from './stub-status-source.js';

describe('dashboard static files', () => {
  const root = mkdtempSync(join(tmpdir(), 'faultline-static-'));
  const dist = join(root, 'dist');
  mkdirSync(join(dist, 'assets', 'chunks'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>Faultline</title>');
  writeFileSync(join(dist, 'assets', 'app.js'), 'console.log("app")');
  writeFileSync(join(dist, 'assets', 'app.css'), 'body{}');
  writeFileSync(join(dist, 'assets', 'chunks', 'graph.js'), 'export {}');
  writeFileSync(join(root, 'secret.txt'), 'outside the dashboard');
  symlinkSync(join(root, 'secret.txt'), join(dist, 'assets', 'link.txt'));

  const server = new StatusServer({ endpoint: '127.0.0.1:0' }, new StubStatusSource(), pino({ level: 'silent' }), { dashboardDirectory: dist });
  const unbuilt = new StatusServer({ endpoint: '127.0.0.1:0' }, new StubStatusSource(), pino({ level: 'silent' }), { dashboardDirectory: join(root, 'missing') });
  let base = '';

  beforeAll(async () => {
    await server.start();
    await unbuilt.start();
    base = `http://${server.address()}`;
  });

  afterAll(async () => {
    await server.shutdown();
    await unbuilt.shutdown();
    rmSync(root, { recursive: true, force: true });
  });

  it.each([
    ['/', 'text/html; charset=utf-8', '<!doctype html><title>Faultline</title>'],
    ['/assets/app.js', 'text/javascript; charset=utf-8', 'console.log("app")'],
    ['/assets/app.css', 'text/css; charset=utf-8', 'body{}'],
    ['/assets/chunks/graph.js', 'text/javascript; charset=utf-8', 'export {}'],
  ])('serves %s', async (path, contentType, body) => {
    const response = await fetch(base + path);

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(contentType);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await response.text()).toBe(body);
  });

  it.each([
    ['a dot-dot segment', '/assets/..%2F..%2Fsecret.txt', 400],
    ['an encoded dot-dot path, which URL parsing removes', '/assets/%2E%2E/%2E%2E/secret.txt', 404],
    ['a backslash', '/assets/..%5C..%5Csecret.txt', 400],
    ['a symbolic link out of the directory', '/assets/link.txt', 404],
    ['a directory', '/assets/chunks', 404],
    ['a missing file', '/assets/nothing.js', 404],
  ])('rejects %s', async (_name, path, status) => {
    const response = await sendHttp(base + path, { method: 'GET' });

    expect(response.status).toBe(status);
    expect(response.body.toString()).not.toContain('outside the dashboard');
  });

  it('answers 404 with a hint when the dashboard is not built', async () => {
    const response = await fetch(`http://${unbuilt.address()}/`);
    const body = (await response.json()) as { error: string };

    expect(response.status).toBe(404);
    expect(body.error).toMatch(/the dashboard is not built: .* does not exist; build it with "node dashboard\/build\.mjs"/);
  });
});
