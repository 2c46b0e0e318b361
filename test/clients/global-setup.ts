// `npm start`'s build step, once for every test file: each then runs `node dist/server/node.js`.
import { buildServer } from '../support/server';

export default async function setup() {
  await buildServer();
}
