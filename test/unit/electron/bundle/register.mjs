// Loaded with `node --import` before out/main/index.js: installs the hooks, then drives the app once
// it is up and prints a JSON report on stdout.
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);

const deadline = Date.now() + 20_000;
const timer = setInterval(async () => {
  const fake = globalThis.__vmdeckFake;
  if (!fake || fake.sent === undefined || fake.handlers.size === 0 || fake.windows.length === 0) {
    if (Date.now() > deadline) {
      clearInterval(timer);
      console.log(JSON.stringify({ error: 'the app did not come up' }));
      process.exit(2);
    }
    return;
  }
  clearInterval(timer);
  const win = fake.windows[0];
  const trusted = { sender: win.webContents, senderFrame: { url: win.webContents.url, parent: null, top: null } };
  const foreign = { sender: win.webContents, senderFrame: { url: 'https://evil.example/', parent: null, top: null } };
  const call = (ev, m, ...a) => fake.handlers.get('vmdeck:' + m)(ev, ...a);
  const report = {
    calls: [...fake.calls],
    channels: [...fake.handlers.keys()].sort(),
    webPreferences: win.options.webPreferences,
    loadedFile: win.loadedFile,
    info: await call(trusted, 'app.info'),
    hosts: await call(trusted, 'hosts.list'),
    foreign: await call(foreign, 'hosts.list'),
    invalid: await call(trusted, 'app.openExternal', 'file:///etc/passwd'),
    permission: await new Promise((r) => fake.permissionRequest({}, 'media', r, {})),
  };
  const { app } = await import('electron');
  app.quit();
  // Give before-quit's asynchronous dispose time to finish, then report.
  const until = Date.now() + 10_000;
  while (!fake.calls.includes('exit') && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  report.afterQuit = { calls: [...fake.calls], handlersLeft: fake.handlers.size };
  console.log(JSON.stringify(report));
  process.exit(0);
}, 20);
