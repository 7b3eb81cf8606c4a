import { openDatabaseFile } from '../../src/db/sqlite.js';

// A separate process that opens (and so migrates) the file at a given instant, to race others:
// argv = [path, epoch ms]. Prints the names this process applied.
const [path = '', at = '0'] = process.argv.slice(2);
await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(at) - Date.now())));
const db = openDatabaseFile(path);
console.log(JSON.stringify(db.migrated));
await db.close();
