// Builds the app into an output directory (default web/dist, or the first argument):
// index.html naming content-hashed JS and CSS, a .gz and a .br beside every asset, and
// manifest.json listing each file with its type, size, hash and cache class, which is
// what aitk-server needs to serve them. Only Node 18's standard library and esbuild.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, 'dist'));

// The budget the issue sets for the app's own code; the editor chunk is apart.
const kAppBudgetBytes = 100 * 1024;

const kTypes = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

function typeOf(path) {
  const dot = path.lastIndexOf('.');
  return kTypes[path.slice(dot)] || 'application/octet-stream';
}

function filesUnder(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = await esbuild.build({
  entryPoints: { app: join(here, 'src/main.js'), style: join(here, 'src/app.css') },
  bundle: true,
  splitting: true, // the editor and the diff library become chunks loaded on demand
  format: 'esm',
  minify: true,
  target: ['chrome100', 'firefox100', 'safari15'],
  outdir: join(out, 'assets'),
  entryNames: '[name]-[hash]',
  chunkNames: '[name]-[hash]',
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});

const outputs = result.metafile.outputs;
const pathOf = (entry) =>
  Object.keys(outputs).find((p) => outputs[p].entryPoint && outputs[p].entryPoint.endsWith(entry));
const appJs = pathOf('src/main.js');
const appCss = Object.keys(outputs).find((p) => p.endsWith('.css') && outputs[p].entryPoint);
const url = (p) => '/' + relative(out, resolve(p)).split('\\').join('/');

// The scripts the first page needs: the entry and the chunks it imports statically.
// What is reached only through import() (the editor, the diff) is not counted here.
function staticClosure(path, seen = new Set()) {
  if (seen.has(path)) return seen;
  seen.add(path);
  for (const imp of outputs[path].imports) {
    if (imp.kind === 'import-statement') staticClosure(imp.path, seen);
  }
  return seen;
}
const firstPage = [...staticClosure(appJs), appCss];

const template = readFileSync(join(here, 'src/index.html'), 'utf8');
const html = template
  .replace('{{css}}', url(appCss))
  .replace('{{js}}', url(appJs))
  .replace('{{preload}}', [...staticClosure(appJs)].filter((p) => p !== appJs)
    .map((p) => `<link rel="modulepreload" href="${url(p)}">`).join('\n    '));
writeFileSync(join(out, 'index.html'), html);

const files = [];
for (const path of filesUnder(out)) {
  const body = readFileSync(path);
  const name = url(path);
  const gz = gzipSync(body, { level: 9 });
  const br = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
  writeFileSync(path + '.gz', gz);
  writeFileSync(path + '.br', br);
  files.push({
    path: name,
    type: typeOf(path),
    bytes: body.length,
    gzipBytes: gz.length,
    brotliBytes: br.length,
    sha256: createHash('sha256').update(body).digest('hex'),
    // Hashed names never change content: cache them for a year. The HTML names them,
    // so it must be revalidated on every load.
    cache: name === '/index.html' ? 'no-cache' : 'immutable',
    firstPage: firstPage.some((p) => url(p) === name),
  });
}
files.sort((a, b) => a.path.localeCompare(b.path));

const appBytes = files.filter((f) => f.firstPage).reduce((sum, f) => sum + f.gzipBytes, 0);
writeFileSync(join(out, 'manifest.json'), JSON.stringify({ files, appGzipBytes: appBytes }, null, 2) + '\n');

for (const f of files) {
  console.log(`${f.path.padEnd(44)} ${String(f.bytes).padStart(8)} B  gzip ${String(f.gzipBytes).padStart(7)} B`);
}
console.log(`app JS+CSS for the first page: ${appBytes} B gzip (budget ${kAppBudgetBytes} B)`);
if (appBytes > kAppBudgetBytes) {
  console.error('the app is over its size budget');
  process.exit(1);
}
