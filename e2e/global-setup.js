// Starts the real server once for all tests: `mtqg --database-url sqlite:<tmp>/e2e.db serve --demo` on a free port
// of 127.0.0.1, in an empty temporary directory, waits for "mtqg đang chạy tại http://…" (the demo data for Thanh Hóa
// is generated first), then /readyz. The URL goes to the tests in MTQG_E2E_URL; the returned function stops the
// server (SIGTERM, then SIGKILL) and removes the directory. The server's output is kept in artifacts/server.log.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const START_TIMEOUT_MS = Number(process.env.MTQG_E2E_START_TIMEOUT_MS || 180_000);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitReady(url, deadline) {
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url}/readyz did not answer 200 in time`);
}

module.exports = async function globalSetup() {
  const root = path.resolve(__dirname, '..');
  const binary = path.resolve(root, process.env.MTQG_BIN || 'target/debug/mtqg');
  if (!fs.existsSync(binary)) {
    throw new Error(`${binary} is missing: build it with \`cargo build -p mtqg-cli\` (or set MTQG_BIN)`);
  }
  const artifacts = path.resolve(__dirname, process.env.MTQG_E2E_ARTIFACTS || 'artifacts');
  fs.mkdirSync(artifacts, { recursive: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mtqg-e2e-'));
  const port = await freePort();
  const log = fs.createWriteStream(path.join(artifacts, 'server.log'));
  const started = Date.now();
  // The server reads MTQG_* variables (database, configuration file, listen address): none leak in from outside.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('MTQG_')));
  const child = spawn(
    binary,
    ['--database-url', `sqlite:${path.join(dir, 'e2e.db')}`, 'serve', '--demo', '--listen', `127.0.0.1:${port}`],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...env, MTQG_LOG_FORMAT: 'json' } },
  );
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))));
  let stderrTail = '';
  child.stderr.on('data', (chunk) => {
    log.write(chunk);
    stderrTail = (stderrTail + chunk.toString()).slice(-4000);
  });
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exit;
      clearTimeout(killer);
    }
    log.end();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  let url;
  try {
    url = await new Promise((resolve, reject) => {
      let stdout = '';
      const timer = setTimeout(() => {
        reject(new Error(`the server did not print its address within ${START_TIMEOUT_MS} ms:\n${stdout}\n${stderrTail}`));
      }, START_TIMEOUT_MS);
      child.stdout.on('data', (chunk) => {
        log.write(chunk);
        stdout += chunk.toString();
        const found = stdout.match(/mtqg đang chạy tại (http:\/\/\S+)/);
        if (found) {
          clearTimeout(timer);
          resolve(found[1].replace(/\/$/, ''));
        }
      });
      exit.then(({ code, signal }) => {
        clearTimeout(timer);
        reject(new Error(`the server exited (code ${code}, signal ${signal}) before it was ready:\n${stdout}\n${stderrTail}`));
      });
    });
    await waitReady(url, started + START_TIMEOUT_MS);
  } catch (err) {
    await stop();
    throw err;
  }
  console.log(`mtqg e2e: server ready at ${url} after ${((Date.now() - started) / 1000).toFixed(1)} s (data in ${dir})`);
  process.env.MTQG_E2E_URL = url;

  return stop;
};
