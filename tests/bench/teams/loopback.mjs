// The Microsoft side of tests/bench/teams_vs_botbuilder.sh, all on loopback: the OpenID metadata
// and JWKS both bots verify the connector's tokens against, a client-credentials token endpoint,
// and a fake Bot Connector that keeps every activity a bot sends (so the script can read the
// answer buttons of the pulses smrel posts). It also mints the one RS256 token the load carries,
// as the connector does: it reuses a token until it expires.
//
// Usage: node loopback.mjs <port> <app id> <service url> <token file>
// Serves: GET /openid, GET /keys, POST /token, POST|PUT /v3/conversations/…, and for the script
// GET /sent?conversation=<id> (what a bot sent there) and GET /calls (requests served, by path).
import { createServer } from 'node:http';
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const jose = await import(pathToFileURL(join(root, 'tests/js/node_modules/jose/dist/webapi/index.js')).href);

const [port, appId, serviceUrl, tokenFile] = process.argv.slice(2);
const issuer = 'https://api.botframework.com';
const kid = 'bench-key-1';
const base = `http://127.0.0.1:${port}`;

const { publicKey, privateKey } = await jose.generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
const jwk = { ...(await jose.exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256', endorsements: ['msteams'] };
const metadata = {
  issuer,
  authorization_endpoint: 'https://invalid.botframework.com',
  jwks_uri: `${base}/keys`,
  id_token_signing_alg_values_supported: ['RS256'],
  token_endpoint_auth_methods_supported: ['private_key_jwt'],
};

// One hour, like the real connector's tokens; a benchmark run is far shorter.
const token = await new jose.SignJWT({ serviceurl: serviceUrl })
  .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
  .setIssuer(issuer)
  .setAudience(appId)
  .setNotBefore('0s')
  .setExpirationTime('1h')
  .sign(privateKey);
writeFileSync(tokenFile, token);

const sent = new Map();  // conversation id → activities sent to it, oldest first
let nextId = 1;
const calls = {};  // path → requests served, so the script can tell what a bot fetched

function reply(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function onConnector(req, res, url, body) {
  const parts = url.pathname.split('/').filter(Boolean);  // v3 conversations <id> activities [<id>]
  if (parts.length === 2 && req.method === 'POST') {  // create a 1:1 conversation
    const request = JSON.parse(body || '{}');
    return reply(res, 201, { id: `a:bench-${request.members?.[0]?.id ?? nextId++}` });
  }
  const conversation = decodeURIComponent(parts[2] ?? '');
  if (!sent.has(conversation)) sent.set(conversation, []);
  sent.get(conversation).push(JSON.parse(body || '{}'));
  reply(res, req.method === 'POST' ? 201 : 200, { id: `bench-activity-${nextId++}` });
}

createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const url = new URL(req.url, base);
    const body = Buffer.concat(chunks).toString();
    if (url.pathname === '/calls') return reply(res, 200, calls);
    const kind = url.pathname.startsWith('/v3/') ? '/v3' : url.pathname;
    calls[kind] = (calls[kind] ?? 0) + 1;
    if (url.pathname === '/openid') return reply(res, 200, metadata);
    if (url.pathname === '/keys') return reply(res, 200, { keys: [jwk] });
    if (url.pathname === '/token') {
      return reply(res, 200, { token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, access_token: 'bench-access-token' });
    }
    if (url.pathname === '/sent') return reply(res, 200, sent.get(url.searchParams.get('conversation')) ?? []);
    if (url.pathname.startsWith('/v3/conversations')) return onConnector(req, res, url, body);
    reply(res, 404, { error: { code: 'NotFound', message: url.pathname } });
  });
}).listen(Number(port), '127.0.0.1', () => console.log('ready'));
