/**
 * `pnpm start`: runs the example server from environment variables, prints where to go and how
 * to sign in, and shuts down gracefully on SIGTERM / SIGINT.
 */
import { isKefuError } from '@kefu/core';
import { exampleOptionsFromEnv } from './config.js';
import { createExampleServer } from './server.js';

async function main(): Promise<void> {
  const options = exampleOptionsFromEnv(process.env);
  const example = await createExampleServer(options);
  const info = await example.start();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: closing (draining requests, closing sockets and the store)…\n`);
    example.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('Shutdown failed:', error);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  const width = Math.max(...info.logins.map((l) => l.email.length));
  const lines = [
    '',
    '  Kefu 客服 example server is running',
    '',
    `  Demo shop 演示商城   ${info.shopUrl}`,
    `  Agent console 坐席   ${info.consoleUrl}`,
    `  Data directory       ${options.dataDir}`,
    `  Channels             ${info.channels.join(', ')}`,
    ...Object.entries(info.webhooks).map(([name, url]) => `  Webhook ${name.padEnd(13)}${url}`),
    '',
    ...(info.logins.length
      ? ['  Demo logins 演示账号 (email / password):', ...info.logins.map((l) => `    ${l.email.padEnd(width)}  ${l.password}   ${l.name} · ${l.title}`), '']
      : []),
    '  Stop with Ctrl+C.',
    '',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  if (isKefuError(error)) console.error(`${error.code}: ${error.message}`);
  else console.error(error);
  process.exit(1);
});
