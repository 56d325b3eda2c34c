// Test-only: serves the built app and forwards /api (requests and the WebSocket/SSE
// streams) to aitk-server, so the page and the API share one origin, as they will when
// aitk-server serves the app itself. It sends the headers aitk-server is to send, so the
// browser tests run under the real Content-Security-Policy. Not for production use.
import { createReadStream, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { join, sep } from 'node:path';

export const kSecurityHeaders = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
};

/**
 * Starts the server on a free loopback port. `apiPort()` gives aitk-server's current
 * port (it may be restarted). Resolves to {url, close()}.
 */
export async function startStaticServer(distDir, apiPort) {
  const root = realpathSync(distDir);
  const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
  const files = new Map(manifest.files.map((f) => [f.path, f]));

  function serveFile(req, res) {
    // Only names the manifest lists are served, so no path can leave the app's files.
    const path = req.url.split('?')[0];
    const entry = files.get(path === '/' ? '/index.html' : path) || (path.startsWith('/assets/') ? null : files.get('/index.html'));
    if (!entry || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { ...kSecurityHeaders, 'Content-Type': 'text/plain' });
      res.end('not found');
      return;
    }
    const accepts = String(req.headers['accept-encoding'] || '');
    const encoding = /\bbr\b/.test(accepts) ? 'br' : /\bgzip\b/.test(accepts) ? 'gzip' : null;
    const full = join(root, ...entry.path.split('/'));
    const onDisk = encoding ? `${full}.${encoding === 'br' ? 'br' : 'gz'}` : full;
    if (!existsSync(onDisk) || !realpathSync(onDisk).startsWith(root + sep)) {
      res.writeHead(404);
      res.end();
      return;
    }
    const headers = {
      ...kSecurityHeaders,
      'Content-Type': entry.type,
      'Content-Length': statSync(onDisk).size,
      ETag: `"${entry.sha256.slice(0, 32)}"`,
      Vary: 'Accept-Encoding',
      'Cache-Control': entry.cache === 'immutable' ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (encoding) headers['Content-Encoding'] = encoding;
    if (req.headers['if-none-match'] === headers.ETag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') res.end();
    else createReadStream(onDisk).pipe(res);
  }

  // Kept-alive connections to aitk-server, as a browser talking to it directly would have.
  const agent = new http.Agent({ keepAlive: true });

  function forward(req, res) {
    const upstream = http.request({
      host: '127.0.0.1', port: apiPort(), method: req.method, path: req.url, headers: req.headers, agent,
    }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      res.flushHeaders(); // an event stream's headers go out before its first event
      answer.pipe(res);
    });
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' });
      res.end('{"statusCode":502,"message":"aitk-server is not reachable"}');
    });
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  const server = http.createServer((req, res) => {
    if (req.url.startsWith('/api/')) forward(req, res);
    else serveFile(req, res);
  });
  // The WebSocket handshake and everything after it, byte for byte.
  server.on('upgrade', (req, socket, head) => {
    const upstream = net.connect(apiPort(), '127.0.0.1', () => {
      const lines = [`${req.method} ${req.url} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) lines.push(`${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}`);
      upstream.write(lines.join('\r\n') + '\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  const sockets = new Set();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => {
      agent.destroy();
      for (const s of sockets) s.destroy();
      server.close(resolve);
    }),
  };
}
