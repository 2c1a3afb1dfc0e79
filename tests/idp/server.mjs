// The identity provider of the test suite: oidc-provider (a certified OpenID provider)
// on a free loopback port.
//
// Usage: node server.mjs CONFIG.json
// CONFIG: {"clients": [...client metadata...], "scopes": ["notes.read", ...],
//          "opaqueClients": ["client-id", ...], "accessTokenTTL": 3600}
// Prints one JSON line {"listening": "<issuer>"} once it accepts connections.
//
// What it offers: static and dynamically registered clients, PKCE (S256 only, always
// required), resource indicators issuing JWT access tokens whose `aud` is the requested
// resource (opaque ones for the clients listed in opaqueClients, or when no resource is
// requested), introspection, revocation, refresh tokens (offline_access) and a JWKS.
// Sign-in needs no browser: devInteractions accepts any login name (the account id) and
// its consent form, both plain HTML forms an HTTP client can post.
// Rig-only: `DELETE /rig/clients/<id>` prunes a dynamically registered client.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const scopes = config.scopes ?? [];
const opaqueClients = new Set(config.opaqueClients ?? []);
const accessTokenTTL = config.accessTokenTTL ?? 3600;

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: config.clients ?? [],
    jwks: { keys: [signingKey()] },
    cookies: { keys: ['test-only-cookie-key'] },
    scopes: ['openid', 'offline_access', 'profile', 'email', ...scopes],
    claims: { openid: ['sub'], profile: ['preferred_username', 'name'], email: ['email'] },
    findAccount: (ctx, id) => ({
      accountId: id,
      claims: async () => ({ sub: id, preferred_username: id, name: id, email: `${id}@example.com` }),
    }),
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: true },
      registration: { enabled: true },
      revocation: { enabled: true },
      introspection: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: (ctx, client, oneOf) => oneOf,
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resourceIndicator, client) => ({
          scope: scopes.join(' '),
          audience: resourceIndicator,
          accessTokenTTL,
          accessTokenFormat: opaqueClients.has(client.clientId) ? 'opaque' : 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    ttl: {
      AccessToken: accessTokenTTL,
      RefreshToken: 24 * 3600,
      Grant: 24 * 3600,
      Session: 24 * 3600,
      Interaction: 3600,
      IdToken: 3600,
      AuthorizationCode: 60,
    },
    clientBasedCORS: () => true,
    rotateRefreshToken: true,
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  const callback = provider.callback();
  server.on('request', async (req, res) => {
    // Rig-only: prune a dynamically registered client, the way a provider's cleanup job does
    // (Nextcloud's oidc app expires unused dynamic clients). Not part of oidc-provider.
    const prune = req.method === 'DELETE' && req.url.match(/^\/rig\/clients\/([^/?]+)$/);
    if (!prune) return callback(req, res);
    await provider.Client.adapter.destroy(decodeURIComponent(prune[1]));
    res.writeHead(204).end();
  });
  console.log(JSON.stringify({ listening: issuer }));
});

for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
