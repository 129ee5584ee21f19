import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { waitFor } from '../support/wait-for';
import { ADMIN_TOKEN, call, startApiKit, type ApiKit } from './api-test-kit';

interface OpenApiDoc {
  openapi: string;
  info: { title: string };
  paths: Record<
    string,
    Record<string, { responses?: Record<string, unknown>; parameters?: Array<{ name: string; in: string }> }>
  >;
  components?: { schemas?: Record<string, unknown> };
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

/** Structural checks of an OpenAPI 3.0 document: version, operations with responses, path params declared, refs resolve. */
function openApiProblems(doc: OpenApiDoc): string[] {
  const problems: string[] = [];
  if (!/^3\.0\.\d$/.test(doc.openapi)) problems.push(`openapi version ${doc.openapi}`);
  if (!doc.info?.title) problems.push('info.title missing');
  for (const [path, operations] of Object.entries(doc.paths)) {
    const pathParams = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const [method, operation] of Object.entries(operations)) {
      if (!operation.responses || Object.keys(operation.responses).length === 0)
        problems.push(`${method} ${path}: no responses`);
      for (const name of pathParams)
        if (!operation.parameters?.some((p) => p.in === 'path' && p.name === name))
          problems.push(`${method} ${path}: path parameter ${name} undeclared`);
    }
  }
  for (const ref of JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g))
    if (!doc.components?.schemas?.[ref[1] as string]) problems.push(`unresolved $ref ${ref[1]}`);
  return problems;
}

describe('OpenAPI document', () => {
  let kit: ApiKit;
  beforeAll(async () => {
    kit = await startApiKit();
  });
  afterAll(async () => {
    await kit.close();
  });

  it('is valid and lists every route', async () => {
    const res = await call(kit.baseUrl, 'GET', '/docs/json');
    expect(res.statusCode).toBe(200);
    const doc = res.json<OpenApiDoc>();
    expect(openApiProblems(doc)).toEqual([]);
    expect(kit.app.routeTable.length).toBeGreaterThan(40);
    const missing = kit.app.routeTable.filter(
      ({ method, url }) => !doc.paths[url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()],
    );
    expect(missing).toEqual([]);
  });
});

describe('the real API process', () => {
  let child: ChildProcess | undefined;
  let kit: ApiKit;
  afterAll(async () => {
    child?.kill('SIGTERM');
    if (child && child.exitCode === null) await new Promise((resolve) => child?.once('exit', resolve));
    await kit.close();
  });

  it('serves the Swagger UI at /docs and the document at /docs/json', async () => {
    kit = await startApiKit();
    const port = await freePort();
    const root = join(__dirname, '..', '..');
    child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'services', 'api', 'main.ts')], {
      env: {
        ...process.env,
        CAIRN_API_PORT: String(port),
        CAIRN_POSTGRES_URL: kit.env.postgresUrl,
        CAIRN_CLICKHOUSE_DATABASE: kit.env.clickhouseDatabase,
        CAIRN_ADMIN_TOKEN: ADMIN_TOKEN,
        CAIRN_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      () => fetch(`${base}/healthz`).then((r) => r.status),
      (status) => status === 200,
      30_000,
      200,
    );
    const ui = await fetch(`${base}/docs`, { redirect: 'follow' });
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/swagger-ui/i);
    const doc = (await (await fetch(`${base}/docs/json`)).json()) as OpenApiDoc;
    expect(openApiProblems(doc)).toEqual([]);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/contacts', '/v1/emails/{id}/go-live', '/v1/journeys/{id}/stop']),
    );
    const bootstrap = await call(
      base,
      'POST',
      '/v1/admin/workspaces',
      { name: 'proc' },
      { authorization: `Bearer ${ADMIN_TOKEN}` },
    );
    expect(bootstrap.statusCode).toBe(201);
  });
});
