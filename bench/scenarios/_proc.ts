/**
 * Child processes of the socket scenarios: TypeScript through tsx with the `kefu-source`
 * condition, pinned to one core with `taskset` when the machine has it and more than one core,
 * talking to the parent over IPC.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const hasTaskset = cpus().length > 1 && spawnSync('taskset', ['-V']).status === 0;

/** Which core a role runs on: the server on the first, load generators on the others. */
export function coreFor(role: 'server' | 'load', index = 0): number | undefined {
  if (!hasTaskset) return undefined;
  const n = cpus().length;
  return role === 'server' ? 0 : 1 + (index % (n - 1));
}

/** A running child with request/response over IPC. */
export interface Child<Out> {
  readonly process: ChildProcess;
  readonly pid: number;
  /** The next message satisfying `match` (rejects if the child exits first or after `timeoutMs`). */
  next<T extends Out>(match: (m: Out) => m is T, timeoutMs?: number): Promise<T>;
  send(message: unknown): void;
  /** Asks the child to stop, then kills it if it has not exited within 5 s. */
  stop(): Promise<void>;
}

/** Starts `bench/scenarios/<file>` with `arg` (JSON) as argv[2], pinned to `core` when given. */
export function startChild<Out>(file: string, arg: unknown, options: { core?: number | undefined; maxOldSpaceMb?: number } = {}): Child<Out> {
  const script = fileURLToPath(new URL(`./${file}`, import.meta.url));
  const nodeArgs = ['--expose-gc', ...(process.env.KEFU_BENCH_NODE_FLAGS ? process.env.KEFU_BENCH_NODE_FLAGS.split(' ') : []), '--import', 'tsx', '--conditions=kefu-source', ...(options.maxOldSpaceMb ? [`--max-old-space-size=${options.maxOldSpaceMb}`] : []), script, JSON.stringify(arg)];
  const [cmd, args] = options.core === undefined ? [process.execPath, nodeArgs] : ['taskset', ['-c', String(options.core), process.execPath, ...nodeArgs]];
  // The parent's fd limit is raised in the spawning shell: 10k sockets need more than the usual 1024.
  const child = spawn('sh', ['-c', 'ulimit -n 65536 2>/dev/null || ulimit -n $(ulimit -Hn); exec "$@"', 'sh', cmd, ...args], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue: Out[] = [];
  const waiters: Array<{ match: (m: Out) => boolean; resolve: (m: Out) => void; reject: (e: Error) => void }> = [];
  let exited: Error | undefined;
  child.on('message', (m: Out) => {
    const i = waiters.findIndex((w) => w.match(m));
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
    else queue.push(m);
  });
  child.on('exit', (code, signal) => {
    exited = new Error(`${file} exited (${code ?? signal})`);
    for (const w of waiters.splice(0)) w.reject(exited);
  });
  return {
    process: child,
    pid: child.pid!,
    next<T extends Out>(match: (m: Out) => m is T, timeoutMs = 120_000): Promise<T> {
      const i = queue.findIndex(match);
      if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0] as T);
      if (exited) return Promise.reject(exited);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${file}: no answer within ${timeoutMs} ms`)), timeoutMs);
        timer.unref();
        waiters.push({
          match,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
      });
    },
    send(message) {
      if (!exited && child.connected) child.send(message as never);
    },
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      this.send({ cmd: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
  };
}
