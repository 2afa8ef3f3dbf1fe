import { GrantkitProvider } from '@grantkit/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <GrantkitProvider basePath="/auth" graphqlPath="/api/graphql">
      <App />
    </GrantkitProvider>
  </StrictMode>,
);
