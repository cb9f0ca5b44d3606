// Builds the dashboard into dashboard/dist: index.html, assets/app.js, assets/app.css and the
// lazily loaded chunks (the graph library) under assets/. Runs offline, so `npm install` can
// call it. Usage: node dashboard/build.mjs
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import * as esbuild from 'esbuild';

const DASHBOARD_DIRECTORY = dirname(fileURLToPath(import.meta.url));
const DIST_DIRECTORY = join(DASHBOARD_DIRECTORY, 'dist');
const ASSETS_DIRECTORY = join(DIST_DIRECTORY, 'assets');

const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <meta name="color-scheme" content="light dark">
    <title>Faultline</title>
    <link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Cpath d='M2 14 7 2l2 7 5-3-4 8z' fill='%23b3261e'/%3E%3C/svg%3E">
    <link rel="stylesheet" href="/assets/app.css">
    <script type="module" src="/assets/app.js"></script>
  </head>
  <body>
    <div id="app"><p class="boot">Loading Faultline…</p></div>
    <noscript>The Faultline dashboard needs JavaScript. The JSON API at /api/v1/ works without it.</noscript>
  </body>
</html>
`;

const startedAtMs = Date.now();
rmSync(DIST_DIRECTORY, { recursive: true, force: true });
mkdirSync(ASSETS_DIRECTORY, { recursive: true });

const result = await esbuild.build({
  absWorkingDir: DASHBOARD_DIRECTORY,
  entryPoints: { app: 'src/main.tsx' },
  outdir: ASSETS_DIRECTORY,
  entryNames: '[name]',
  chunkNames: 'chunk-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  target: ['es2022'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  minify: true,
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
});
writeFileSync(join(DIST_DIRECTORY, 'index.html'), INDEX_HTML);

let totalBytes = 0;
let totalGzipBytes = 0;
for (const outputPath of Object.keys(result.metafile.outputs).sort()) {
  const absolutePath = join(DASHBOARD_DIRECTORY, outputPath);
  const content = readFileSync(absolutePath);
  const gzipBytes = gzipSync(content).length;
  totalBytes += content.length;
  totalGzipBytes += gzipBytes;
  console.log(`  ${relative(DASHBOARD_DIRECTORY, absolutePath).padEnd(36)} ${formatKiB(content.length).padStart(10)}  ${formatKiB(gzipBytes).padStart(10)} gzip`);
}
console.log(`dashboard built into ${relative(process.cwd(), DIST_DIRECTORY) || '.'} in ${Date.now() - startedAtMs} ms: ${formatKiB(totalBytes)}, ${formatKiB(totalGzipBytes)} gzip`);

function formatKiB(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
