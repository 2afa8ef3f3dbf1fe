export * from '@grantkit/react';
