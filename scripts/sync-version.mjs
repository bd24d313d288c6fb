// package.json's version is the one decided by hand (npm version X); this copies it into the files the MCP
// registry (server.json) and the Claude Desktop bundle (mcpb/manifest.json) read. `npm version` runs it.
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const read = (file) => JSON.parse(readFileSync(new URL(file, root), 'utf8'));
const write = (file, value) => writeFileSync(new URL(file, root), `${JSON.stringify(value, null, 2)}\n`);

const { version } = read('package.json');
const server = read('server.json');
server.version = version;
for (const p of server.packages) p.version = version;
write('server.json', server);
const manifest = read('mcpb/manifest.json');
manifest.version = version;
write('mcpb/manifest.json', manifest);
console.log(`server.json and mcpb/manifest.json now say ${version}`);
