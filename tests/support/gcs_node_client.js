// Google's own Node client (@google-cloud/storage) as a peer: it reads what
// Cairn's gcs store writes and writes what Cairn reads. Pointed at
// STORAGE_EMULATOR_HOST, with no credentials. Run with NODE_PATH set to the
// folder holding @google-cloud/storage (tests/support/gcs_peers.py installs it).
//   node gcs_node_client.js upload BUCKET NAME FILE [resumable|simple]   (default: the library's choice)
//   node gcs_node_client.js download BUCKET NAME FILE
//   node gcs_node_client.js list BUCKET PREFIX        (one name per line)
//   node gcs_node_client.js size BUCKET NAME
//   node gcs_node_client.js delete BUCKET NAME
// Exit status 0 on success; 2 with the error's code and message otherwise
// (404 for a missing object).
const { Storage } = require('@google-cloud/storage');

const endpoint = process.env.STORAGE_EMULATOR_HOST;
if (!endpoint) {
  console.error('gcs_node_client.js: set STORAGE_EMULATOR_HOST');
  process.exit(1);
}
const storage = new Storage({ apiEndpoint: endpoint, projectId: 'demo-test' });
const [command, bucketName, name, file, mode] = process.argv.slice(2);
const bucket = storage.bucket(bucketName);

async function main() {
  switch (command) {
    case 'upload': {
      const options = { destination: name };
      if (mode) options.resumable = mode === 'resumable';
      await bucket.upload(file, options);
      break;
    }
    case 'download':
      await bucket.file(name).download({ destination: file });
      break;
    case 'list': {
      const [files] = await bucket.getFiles({ prefix: name || '' });
      for (const f of files) console.log(f.name);
      break;
    }
    case 'size': {
      const [metadata] = await bucket.file(name).getMetadata();
      console.log(metadata.size);
      break;
    }
    case 'delete':
      await bucket.file(name).delete();
      break;
    default:
      throw new Error(`unknown command ${command}`);
  }
}

main().catch((e) => {
  console.error(`gcs_node_client.js ${command}: ${e.code || ''} ${e.message}`);
  process.exit(2);
});
