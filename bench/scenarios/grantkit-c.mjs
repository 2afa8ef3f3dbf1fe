export * from '@grantkit/core';
