// A MariaDB server of the test's own (own data directory, port and socket), for tests that
// stop and restart the server — which they must not do to the shared one.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface PrivateMariaDb {
  port: number;
  /** Starts the server (again) on the same data directory; resolves when it answers. */
  start(): Promise<void>;
  /** Clean shutdown. */
  stop(): Promise<void>;
  /** Stops the server and removes its data directory. */
  destroy(): Promise<void>;
}

export function privateMariaDbAvailable(): { ok: true } | { ok: false; reason: string } {
  const path = (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/sbin']);
  for (const bin of ['mariadbd', 'mariadb-install-db', 'mariadb-admin']) {
    if (!path.some((dir) => dir && existsSync(join(dir, bin))))
      return { ok: false, reason: `${bin} is not installed` };
  }
  if (process.getuid?.() !== 0) return { ok: false, reason: 'starting mariadbd as user mysql needs root' };
  return { ok: true };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export async function startPrivateMariaDb(): Promise<PrivateMariaDb> {
  const dir = mkdtempSync(join(tmpdir(), 'private-mariadb-'));
  const uid = Number(execFileSync('id', ['-u', 'mysql']).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'mysql']).toString().trim());
  chownSync(dir, uid, gid);
  execFileSync('mariadb-install-db', ['--user=mysql', `--datadir=${join(dir, 'data')}`, '--skip-test-db'], {
    stdio: 'ignore',
  });
  const port = await freePort();
  const socket = join(dir, 'sock');
  let proc: ChildProcess | undefined;

  const ping = () => {
    try {
      execFileSync('mariadb-admin', [`--socket=${socket}`, 'ping'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  const server: PrivateMariaDb = {
    port,
    async start() {
      proc = spawn(
        'mariadbd',
        [
          '--no-defaults',
          '--user=mysql',
          `--datadir=${join(dir, 'data')}`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          `--socket=${socket}`,
          `--pid-file=${join(dir, 'pid')}`,
          // Tests connect as any user without a password: this server is theirs alone.
          '--skip-grant-tables',
          '--innodb-buffer-pool-size=64M',
          `--log-error=${join(dir, 'error.log')}`,
        ],
        { stdio: 'ignore' },
      );
      for (let i = 0; i < 120; i++) {
        if (ping()) return;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`private mariadbd on port ${port} did not start (see ${join(dir, 'error.log')})`);
    },
    async stop() {
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((r) => proc!.once('exit', r));
      execFileSync('mariadb-admin', [`--socket=${socket}`, 'shutdown'], { stdio: 'ignore' });
      await exited;
    },
    async destroy() {
      await server.stop().catch(() => proc?.kill('SIGKILL'));
      if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
