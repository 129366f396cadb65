import { mkdtempSync } from 'node:fs';
import { openLocalStore } from './local/store/dynalite-server.ts';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
const home = mkdtempSync('/tmp/hb/home-');
const s = await openLocalStore(home);
const N = 2000;
for (let round = 0; round < 2; round++) {
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    await s.documentClient.send(new PutCommand({ TableName: s.tableName, Item: { pk: `x${i}`, sk: 'a', v: i } }));
    await s.documentClient.send(new GetCommand({ TableName: s.tableName, Key: { pk: `x${i}`, sk: 'a' } }));
  }
  const c = process.cpuUsage(t0);
  console.log('per request us', ((c.user + c.system) / (2 * N)).toFixed(0));
}
await s.close();
