import { join } from 'node:path';
import { storeConformance } from '@kefu/testing';
import { tempDir } from '../test/helpers.js';
import { sqlStoreSuite } from '../test/sql-suite.js';
import { createSqliteStore } from './index.js';

storeConformance('sqlite', async () => {
  const tmp = tempDir();
  const filename = join(tmp.dir, 'kefu.db');
  const store = createSqliteStore({ filename });
  await store.init();
  return {
    store,
    reopen: async () => {
      const again = createSqliteStore({ filename });
      await again.init();
      return again;
    },
    cleanup: async () => tmp.remove(),
  };
});

sqlStoreSuite('sqlite', async () => {
  const tmp = tempDir();
  const filename = join(tmp.dir, 'kefu.db');
  const store = createSqliteStore({ filename });
  await store.init();
  return {
    store,
    another: async () => {
      const s = createSqliteStore({ filename });
      await s.init();
      return s;
    },
    cleanup: async () => tmp.remove(),
  };
});
