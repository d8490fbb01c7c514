// The OCI signing oracle: npm oci-common's DefaultRequestSigner (the signer
// of OCI's TypeScript SDK) signs the requests it is given.
//   NODE_PATH=<oci-common's node_modules> node oci_sign.js < cases.json > signed.json
// cases.json: {"key": {"tenancy", "user", "fingerprint", "pem", "passphrase"},
//              "cases": [{"method", "uri", "date", "body" (a string or null),
//                         "exclude_body", "headers": {name: value}}]}
// signed.json: one object per case: {"authorization", "headers": {every header after signing}}.
// The output holds signatures: callers compare it, never print it.
"use strict";
const common = require("oci-common");

async function main() {
  let text = "";
  for await (const chunk of process.stdin) text += chunk;
  const input = JSON.parse(text);
  const key = input.key;
  const provider = new common.SimpleAuthenticationDetailsProvider(
      key.tenancy, key.user, key.fingerprint, key.pem, key.passphrase || null, null);
  const signer = new common.DefaultRequestSigner(provider);
  const out = [];
  for (const c of input.cases) {
    const headers = new Headers();  // Node 20's, case-insensitive
    // oci-common signs x-date; http-signature would add a Date of its own.
    headers.set("x-date", c.date);
    headers.set("date", c.date);
    for (const [name, value] of Object.entries(c.headers || {})) headers.set(name, value);
    const request = {method: c.method, uri: c.uri, headers: headers};
    if (c.body !== null && c.body !== undefined) request.body = c.body;
    await signer.signHttpRequest(request, Boolean(c.exclude_body));
    const all = {};
    headers.forEach((value, name) => { all[name] = value; });
    out.push({authorization: headers.get("authorization"), headers: all});
  }
  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => { console.error("oci_sign.js: " + (e && e.message ? e.message : e)); process.exit(1); });
