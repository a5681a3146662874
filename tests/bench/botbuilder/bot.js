// The peer of tests/bench/teams_vs_botbuilder.sh: the smallest Bot Framework SDK bot that answers
// an Adaptive Card Universal Action in the HTTP response. CloudAdapter verifies each request's
// token the SDK's way (keys from the OpenID metadata named by the environment); the handler does
// no work beyond building a small card, so every cost measured is the SDK's own.
//
// Environment: PORT, APP_ID, APP_PASSWORD, TENANT_ID, OPENID_URL (all loopback in the benchmark).
const http = require('node:http');
const { ActivityHandler, CloudAdapter, ConfigurationBotFrameworkAuthentication } = require('botbuilder');

const auth = new ConfigurationBotFrameworkAuthentication({
  MicrosoftAppId: process.env.APP_ID,
  MicrosoftAppPassword: process.env.APP_PASSWORD,
  MicrosoftAppType: 'SingleTenant',
  MicrosoftAppTenantId: process.env.TENANT_ID,
  ToBotFromChannelOpenIdMetadataUrl: process.env.OPENID_URL,
  ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
  ToChannelFromBotLoginUrl: `https://login.microsoftonline.com/${process.env.TENANT_ID}`,
  ToChannelFromBotOAuthScope: 'https://api.botframework.com',
  ValidateAuthority: true,
});
const adapter = new CloudAdapter(auth);
adapter.onTurnError = async (_context, error) => console.error(error);

class Bot extends ActivityHandler {
  async onAdaptiveCardInvoke(_context, invokeValue) {
    const card = {
      type: 'AdaptiveCard',
      version: '1.5',
      body: [{ type: 'TextBlock', text: `Thanks: ${invokeValue.action.data?.value ?? ''}`, wrap: true }],
    };
    return { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card };
  }
}
const bot = new Bot();

// Node's own http server with the four response methods CloudAdapter expects (what restify or
// express would add), so no web framework's cost lands on the SDK's side of the comparison.
http
  .createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        req.body = JSON.parse(Buffer.concat(chunks).toString() || 'null');
      } catch {
        res.statusCode = 400;
        return res.end();
      }
      res.status = (code) => { res.statusCode = code; };
      res.header = (name, value) => res.setHeader(name, value);
      res.send = (body) => {
        const text = typeof body === 'string' ? body : JSON.stringify(body);
        if (typeof body !== 'string') res.setHeader('Content-Type', 'application/json');
        res.setHeader('Content-Length', Buffer.byteLength(text));
        res.write(text);
      };
      adapter.process(req, res, (context) => bot.run(context)).catch((error) => {
        console.error(error);
        if (!res.writableEnded) { res.statusCode = 500; res.end(); }
      });
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1', () => console.log('ready'));
