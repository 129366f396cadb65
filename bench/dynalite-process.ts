/**
 * A dynalite server in a process of its own, for bench/dashboard.ts: the store's 100,000-run heap
 * then stays out of the timed dashboard server, as DynamoDB (AWS) or the store's own server process
 * (local) does. Prints its endpoint, serves until its stdin closes.
 */
import { startDynalite } from '../local/store/dynalite.ts';

const server = await startDynalite();
process.stdout.write(`${server.endpoint}\n`);
process.stdin.resume();
process.stdin.on('end', () => void server.close().then(() => process.exit(0)));
