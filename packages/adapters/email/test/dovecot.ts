import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DOVECOT = '/usr/sbin/dovecot';
const INSTALL = join(import.meta.dirname, '..', 'scripts', 'install-dovecot.sh');

/** A private dovecot: its own config, mail and state in a temp dir, IMAP on a loopback port, no SSL. */
export interface Dovecot {
  port: number;
  user: string;
  password: string;
  /** Kills and starts the server again on the same port and mail folders (a server restart). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('data', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`dovecot did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Installs dovecot-imapd when missing (root only) and answers whether the binary is there. */
export function ensureDovecot(): boolean {
  if (existsSync(DOVECOT)) return true;
  try {
    execFileSync('sh', [INSTALL], { stdio: 'pipe', timeout: 240_000 });
  } catch {
    return false;
  }
  return existsSync(DOVECOT);
}

export async function startDovecot(): Promise<Dovecot> {
  const dir = mkdtempSync(join(tmpdir(), 'kefu-dovecot-'));
  // Mail processes run as the `dovecot` user, which must write the mail folders.
  for (const sub of ['run', 'state', 'mail']) mkdirSync(join(dir, sub));
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'mail'), 0o777);
  const port = await freePort();
  const config = `
instance_name = kefu-test-${port}
base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
first_valid_uid = 1
passdb {
  driver = static
  args = password=kefu-secret
}
userdb {
  driver = static
  args = uid=dovecot gid=dovecot home=${dir}/mail/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
protocol imap {
  mail_max_userip_connections = 50
}
`;
  const configPath = join(dir, 'dovecot.conf');
  writeFileSync(configPath, config);
  let child: ChildProcess;
  let exited: Promise<void>;
  const launch = async () => {
    child = spawn(DOVECOT, ['-F', '-c', configPath], { stdio: 'ignore' });
    exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await waitForPort(port, 10_000);
    } catch (error) {
      child.kill('SIGTERM');
      throw error;
    }
  };
  const kill = async () => {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  };
  await launch();
  return {
    port,
    user: 'agent',
    password: 'kefu-secret',
    async restart() {
      await kill();
      await launch();
    },
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
