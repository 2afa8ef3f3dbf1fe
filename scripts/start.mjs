// `npm start` (builds, then runs this): the React demo — First Dollar or Orange Logic, emulated. Log
// in through the vendor's consent page (Allow, or Deny), see the session, call the API through the
// edge proxy, expire the access token and watch the refresh, revoke consent, log out; the sequence
// panel beside the app draws each hop (browser ⇄ edge ⇄ vendor) with every secret redacted. Set
// FD_APP_ID, FD_CLIENT_ID and FD_CLIENT_SECRET to use the real First Dollar sandbox instead. Runs
// until Ctrl-C; GRANTKIT_DEMO_EXIT=1 exits after printing the URL.
import { startDemo } from '../examples/react-spa/server.mjs';

const wanted = Number(process.env.PORT ?? 5173);
let demo;
try {
  demo = await startDemo({ port: wanted });
} catch (error) {
  if (error?.code !== 'EADDRINUSE' || process.env.PORT) throw error;
  console.warn(`port ${wanted} is taken; using a free one (set PORT to choose)`);
  demo = await startDemo({ port: 0 });
}

console.log(`grantkit React demo: ${demo.url}`);
console.log(`  vendor: ${demo.vendor}`);
console.log(
  '  open it, pick First Dollar or Orange Logic, log in (Allow or Deny on the consent page), call the',
);
console.log(
  '  API, expire the access token and call again (a refresh), log out; the panel on the right draws each hop.',
);

if (process.env.GRANTKIT_DEMO_EXIT === '1') {
  await demo.close();
} else {
  console.log('  Ctrl-C to stop.');
  const stop = () => void demo.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
