import { GrantkitProvider } from '@grantkit/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { VENDORS, vendorOfPath } from './vendors';

// One page per vendor (`/` First Dollar, `/orange-logic` Orange Logic), each with the provider
// pointed at its own edge handler.
const vendor = vendorOfPath(location.pathname);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <GrantkitProvider
      basePath={VENDORS[vendor].basePath}
      {...(vendor === 'firstDollar' && { graphqlPath: VENDORS.firstDollar.api })}
    >
      <App vendor={vendor} />
    </GrantkitProvider>
  </StrictMode>,
);
