// firebase-tools' Cloud Storage emulator without the firebase CLI, which
// cannot start offline (it wants Java 21 and downloads a rules jar). The GCS
// JSON routes (/storage/v1, /upload/storage/v1, /download/storage/v1) use an
// admin-only validator, so they need neither rules nor Java.
// ../shared test-peers.md §2. Usage: node gcs_emulator.js PORT [HOST]
const { StorageEmulator } = require('firebase-tools/lib/emulator/storage');
const { EmulatorRegistry } = require('firebase-tools/lib/emulator/registry');
const port = Number(process.argv[2] || 9199), host = process.argv[3] || '127.0.0.1';
const emu = new StorageEmulator({ projectId: 'demo-test', host, port, rules: [], auto_download: false });
emu._rulesRuntime.start = async () => {};   // would download the rules jar + spawn java
emu._rulesRuntime.stop = async () => {};
emu._rulesManager = { start: async () => [], stop: async () => {}, getRuleset: () => undefined };
EmulatorRegistry.start(emu).then(() => console.log(`GCS emulator listening on http://${host}:${port}`),
                 (e) => { console.error('start failed', e); process.exit(1); });
const bye = () => EmulatorRegistry.stop(emu.getName()).finally(() => process.exit(0));
process.on('SIGTERM', bye); process.on('SIGINT', bye);
