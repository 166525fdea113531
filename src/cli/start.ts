// `dtc start`: run the collector service until SIGTERM/SIGINT, then stop cleanly.
import type { Command } from 'commander';
import { createLogger } from '../service/logger.ts';
import { DEMO_INSTANCE, startService } from '../service/service.ts';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description(
      'run the collector service: pollers and the HTTP API (a simulated demo instance when none is configured)',
    )
    .option('--data-dir <dir>', 'where the store and the secret key live (default ./data or $DTC_DATA_DIR)')
    .option('--port <port>', 'HTTP API port (default 8080)')
    .option('--host <host>', 'HTTP API address (default 127.0.0.1)')
    .option('--config <file>', 'declarative config file (YAML or JSON)')
    .option('--no-demo', 'do not start the embedded simulator when no instance is configured')
    .action(
      async (flags: { dataDir?: string; port?: string; host?: string; config?: string; demo: boolean }) => {
        const port = flags.port === undefined ? undefined : Number(flags.port);
        if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) {
          throw new Error(`--port must be a port number, got "${flags.port}"`);
        }
        const log = createLogger();
        const service = await startService({
          dataDir: flags.dataDir,
          port,
          host: flags.host,
          configFile: flags.config,
          demo: flags.demo,
          log,
        });
        const lines = [
          `darktrace-hub is running`,
          `  API:        ${service.url}  (try ${service.url}/api/detections and ${service.url}/healthz)`,
          `  data:       ${service.dataDir}`,
        ];
        if (service.simulator) {
          lines.push(
            `  instance:   "${DEMO_INSTANCE}" is SIMULATED (embedded simulator at ${service.simulator.url})`,
            `  add a real appliance:  npx dtc instance add --name prod --url https://dt.example.com \\`,
            `                           --public-token <public> --private-token <private>   (then restart)`,
          );
        }
        process.stderr.write(`${lines.join('\n')}\n`);
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            log.info(`received ${signal}: finishing in-flight work and stopping`);
            service.stop().then(resolve, resolve);
          };
          process.once('SIGTERM', () => stop('SIGTERM'));
          process.once('SIGINT', () => stop('SIGINT'));
        });
        log.info('stopped');
      },
    );
}
