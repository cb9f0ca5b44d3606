import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError } from './api-error.js';

/** The dashboard build's output directory: `dashboard/dist/` at the repository root. */
export const DEFAULT_DASHBOARD_DIRECTORY = fileURLToPath(new URL('../../dashboard/dist/', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

/**
 * Serves the dashboard's built files: `index.html` for `/`, and files under `assets/` for
 * `/assets/*`. Paths with `..`, backslashes or NUL bytes are rejected, and a file whose real
 * path (after symbolic links) lies outside the directory is not served.
 */
export class StaticFiles {
  private readonly directory: string;

  constructor(directory: string = DEFAULT_DASHBOARD_DIRECTORY) {
    this.directory = resolve(directory);
  }

  serveIndex(response: ServerResponse): Promise<void> {
    return this.serve(response, 'index.html', 'no-cache');
  }

  /** Serves `assets/<relativePath>`. */
  serveAsset(response: ServerResponse, relativePath: string): Promise<void> {
    const segments = relativePath.split('/');
    if (relativePath === '' || relativePath.includes('\\') || relativePath.includes('\0') || segments.some((part) => part === '..' || part === '.' || part === '')) {
      throw new ApiError(400, `asset path ${JSON.stringify(relativePath)} is invalid; it must be a plain relative path`);
    }
    return this.serve(response, join('assets', ...segments), 'public, max-age=300');
  }

  private async serve(response: ServerResponse, relativePath: string, cacheControl: string): Promise<void> {
    const root = await realpath(this.directory).catch(() => undefined);
    if (root === undefined) {
      throw new ApiError(404, `the dashboard is not built: ${this.directory} does not exist; build it with "node dashboard/build.mjs"`);
    }

    const path = await realpath(join(root, relativePath)).catch(() => undefined);
    const info = path === undefined ? undefined : await stat(path);
    if (path === undefined || info === undefined || !info.isFile() || !path.startsWith(root + sep)) {
      const hint = relativePath === 'index.html' ? '; the dashboard build is incomplete, rebuild it with "node dashboard/build.mjs"' : '';
      throw new ApiError(404, `no dashboard file ${relativePath}${hint}`);
    }

    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': cacheControl,
      'x-content-type-options': 'nosniff',
    });
    if (response.req.method === 'HEAD') {
      response.end();
      return;
    }
    await new Promise<void>((resolveStream, reject) => {
      const stream = createReadStream(path);
      stream.on('error', reject);
      response.on('close', () => {
        stream.destroy();
        resolveStream();
      });
      stream.pipe(response);
    });
  }
}
