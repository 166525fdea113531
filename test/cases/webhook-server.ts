// Our API's case routes (status and webhooks) on a real socket, for the Jira and ServiceNow round trips: the route file
// registered on a bare fastify app (test/server/auth.test.ts covers it inside the whole API).
import Fastify from 'fastify';
import type { CaseConnectors } from '../../src/cases/connector.ts';
import { registerCaseRoutes } from '../../src/server/routes/cases.ts';

export async function webhookServer(cases: CaseConnectors) {
  const app = Fastify({ logger: false });
  registerCaseRoutes(app, cases);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  return {
    url: (name: string) => `http://127.0.0.1:${port}/api/cases/${name}/webhook`,
    status: async () => (await fetch(`http://127.0.0.1:${port}/api/cases`)).json(),
    close: () => app.close(),
  };
}
