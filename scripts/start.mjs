// `npm start` (after `npm run build`): the React demo — log in through the First Dollar emulator's
// consent page, see the session, `query { ping }` → pong through the edge proxy, revoke consent and
// consent again, log out. Set FD_APP_ID, FD_CLIENT_ID and FD_CLIENT_SECRET to use the real
// First Dollar sandbox instead. Runs until Ctrl-C; GRANTKIT_DEMO_EXIT=1 exits after printing the URL.
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
  '  open it, log in (Allow on the consent page), see pong, revoke consent, consent again, log out.',
);

if (process.env.GRANTKIT_DEMO_EXIT === '1') {
  await demo.close();
} else {
  console.log('  Ctrl-C to stop.');
  const stop = () => void demo.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
