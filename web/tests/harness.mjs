// Test harness: the real ketenbeeld-server (with its HTTP gateway) and CLI as child processes on 127.0.0.1, and
// Debian's chromium driven by playwright-core. Binaries come from the environment (tests/browser/run_browser_tests.sh
// sets them): KETENBEELD_SERVER_BINARY, KETENBEELD_CLI_BINARY, KETENBEELD_CHROMIUM.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium } from 'playwright-core';

export const serverBinary = process.env.KETENBEELD_SERVER_BINARY || '../build/server/ketenbeeld-server';
export const cliBinary = process.env.KETENBEELD_CLI_BINARY || '../build/client/ketenbeeld';
export const chromiumBinary = process.env.KETENBEELD_CHROMIUM || '/usr/bin/chromium';

export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), prefix));
}

// A server on a data directory. Ports 0 on the first start pick free ports; restarts reuse the ports it got.
export class ServerProcess {
  constructor({ dataDir, extraArgs = [] }) {
    this.dataDir = dataDir;
    this.extraArgs = extraArgs;
    this.grpcAddress = '127.0.0.1:0';
    this.httpAddress = '127.0.0.1:0';
    this.proc = null;
    this.log = [];
  }

  get url() { return `http://${this.httpAddress}`; }

  async start() {
    // No map tiles unless a test asks for them: tests reach nothing beyond loopback.
    const tiles = this.extraArgs.includes('--map_tile_url') ? [] : ['--map_tile_url', ''];
    const args = ['--listen', this.grpcAddress, '--http_listen', this.httpAddress, '--data_dir', this.dataDir,
      '--heartbeat_interval', '1s', '--shutdown_grace', '1s', ...tiles, ...this.extraArgs];
    const proc = spawn(serverBinary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.proc = proc;
    let buffer = '';
    const started = { grpc: null, http: null };
    const ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start in 15 s:\n${this.log.join('\n')}`)), 15000);
      proc.stderr.on('data', (chunk) => {
        buffer += chunk.toString();
        let newline;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + 1);
          this.log.push(line);
          let entry;
          try { entry = JSON.parse(line); } catch { continue; }
          if (entry.event === 'server_started') started.grpc = entry.address;
          if (entry.event === 'http_gateway_started') started.http = new URL(entry.url).host;
          if (started.grpc && started.http) {
            clearTimeout(timer);
            resolve();
          }
        }
      });
      proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code} before it started:\n${this.log.join('\n')}`));
      });
    });
    await ready;
    proc.removeAllListeners('exit');
    this.grpcAddress = started.grpc;
    this.httpAddress = started.http;
    return this;
  }

  // SIGTERM (graceful shutdown), SIGKILL after 10 s.
  async stop() {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10000);
    await exited;
    clearTimeout(timer);
    this.proc = null;
  }

  // A call of the JSON API, as the dashboard makes it; throws with the server's message on an error.
  async call(method, request) {
    const response = await fetch(`${this.url}/api/${method}`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(request),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(`${method}: ${response.status} ${JSON.stringify(body)}`);
    return body;
  }
}

// Runs the CLI against `server`; resolves with {code, stdout, stderr}.
export function cli(server, args) {
  return new Promise((resolve) => {
    // In English whatever the machine's locale: tests read its messages (client/cli/messages.h).
    execFile(cliBinary, ['--lang', 'en', '--server', server.grpcAddress, ...args], { timeout: 15000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

// Chromium with a fresh profile, headless, with nothing that talks to the network by itself.
export async function launchBrowser() {
  const profile = tempDir('ketenbeeld-chromium-');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumBinary,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1600, height: 1000 },
    locale: 'nl-NL',
    timezoneId: 'Europe/Amsterdam',
  });
  context.setDefaultTimeout(10000);
  const close = async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, close };
}

// Registers organisations and reports over the JSON API (fast, no process per call).
// Opens `path` of `server` in a new page of `browser` and waits until its feed is live. The page's uncaught errors
// collect in page.errors, for tests to assert that there were none.
export async function openLivePage(browser, server, path) {
  const page = await browser.context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  page.errors = errors;
  await page.goto(`${server.url}${path}`);
  await page.waitForSelector('#conn[data-state="live"]');
  return page;
}

export async function seedOrganizations(server, organizations) {
  for (const organization of organizations) {
    await server.call('ketenbeeld.v1.PictureService/RegisterOrganization', { organization });
  }
}

// One server (data in a fresh temporary directory) and one browser for a whole test file: registers the file's
// `before` and `after` hooks and returns an object whose `dataDir`, `server` and `browser` are set once `before` has
// run, with `openPage(path)` for a live page. `extraArgs(dataDir)` returns more server flags, and may write the files
// they name into dataDir first; `seed(server)` runs once the server is up (in the same hook: node 18 does not order
// two top-level `before` hooks). Everything is stopped and removed after the file's tests.
export function serverAndBrowserForFile(prefix, { extraArgs = () => [], seed = async () => {} } = {}) {
  const room = { dataDir: undefined, server: undefined, browser: undefined };
  room.openPage = (path) => openLivePage(room.browser, room.server, path);
  before(async () => {
    room.dataDir = tempDir(prefix);
    room.server = await new ServerProcess({ dataDir: `${room.dataDir}/db`, extraArgs: extraArgs(room.dataDir) }).start();
    await seed(room.server);
    room.browser = await launchBrowser();
  });
  after(async () => {
    await room.browser?.close();
    await room.server?.stop();
    if (room.dataDir) rmSync(room.dataDir, { recursive: true, force: true });
  });
  return room;
}
