/** The logging interface Kefu writes to; a pino logger fits it as is. */
export interface Logger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** A logger that drops everything (the default: libraries should not print unasked). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

/** A minimal JSON-lines logger on stderr, for scripts and examples without pino. */
export function createConsoleLogger(bindings: Record<string, unknown> = {}, level: 'debug' | 'info' | 'warn' | 'error' = 'info'): Logger {
  const order = { debug: 10, info: 20, warn: 30, error: 40 };
  const write = (lvl: keyof typeof order) => (obj: unknown, msg?: string) => {
    if (order[lvl] < order[level]) return;
    const fields = typeof obj === 'string' ? { msg: obj } : obj instanceof Error ? { err: { message: obj.message, code: (obj as { code?: string }).code } } : (obj as object);
    process.stderr.write(JSON.stringify({ level: lvl, time: Date.now(), ...bindings, ...fields, ...(msg ? { msg } : {}) }) + '\n');
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error'), child: (b) => createConsoleLogger({ ...bindings, ...b }, level) };
}
