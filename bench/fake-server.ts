// Runs the local OpenAI-compatible test server in its own process (as a real provider would be),
// printing its base URL as the first line of output. Usage: tsx bench/fake-server.ts [latencyMs]
import { startFakeOpenAI } from '../test/support/fake-openai';

const latencyMs = Number(process.argv[2] ?? 0);
const fake = await startFakeOpenAI({ latencyMs, recordBodies: false });
console.log(fake.url);
process.on('SIGTERM', () => void fake.close().then(() => process.exit(0)));
