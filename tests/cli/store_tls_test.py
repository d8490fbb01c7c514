#!/usr/bin/python3
"""TLS trust of every remote store, through `cairn ls` and `cairn cp`.

Each store's loopback server (moto for s3, Azurite for azure, the GCS fake for
gs, the OCI fake for oci) is put behind a TLS front (tests/support/tls_front.py)
whose certificate `openssl req -x509` makes now. For each store:
  - by default the certificate is refused, in one line that names the endpoint
    and every way to trust it, after exactly one TLS handshake (not retried);
  - AWS_CA_BUNDLE, REQUESTS_CA_BUNDLE, SSL_CERT_FILE and the store's ca_bundle
    setting each make it trusted: an upload, a listing and a download round-trip;
  - the setting wins over the variables; the variables count in that order;
  - a bundle holding another self-signed certificate is refused, naming the
    bundle and where it came from;
  - a missing bundle, or a file that holds no certificate, is a config error
    naming the variable or setting, and nothing is sent.
The s3 store's `verify: false` works only with a warning on stderr.

usage: store_tls_test.py --cairn BUILD/bin/cairn
Exit status 0: all passed; 1: failures (listed); 77: no store's peer can run
here (a failure under CAIRN_REQUIRE_PEERS=1).
"""
import argparse
import contextlib
import filecmp
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE, "tests", "support"))
from peer_cli import PeerCli, Unavailable  # noqa: E402
from tls_front import TlsFront, make_certificate  # noqa: E402

BUNDLE_VARIABLES = ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")
# Variables of the machine that would change what these runs mean.
CLEARED = BUNDLE_VARIABLES + ("CURL_CA_BUNDLE", "AWS_PROFILE", "AWS_SESSION_TOKEN", "S3_ENDPOINT_URL",
                              "STORAGE_EMULATOR_HOST", "GOOGLE_APPLICATION_CREDENTIALS", "GCS_KEY", "GCS_SECRET",
                              "AZURE_STORAGE_CONNECTION_STRING", "AZURE_ACCOUNT_NAME", "AZURE_ACCOUNT_ACCESS_KEY",
                              "OCI_CONFIG_FILE", "OCI_OBJECT_STORAGE_ENDPOINT", "CAIRN_PLUGIN_PATH")


class Checks:
    def __init__(self):
        self.failures = []
        self.passed = 0

    def expect(self, condition, what, detail=""):
        if condition:
            self.passed += 1
        else:
            self.failures.append(f"{what}" + (f": {detail}" if detail else ""))
            print(f"FAIL {what}" + (f"\n  {detail}" if detail else ""), flush=True)


class Store:
    """One store behind the TLS front: its URI base, environment and config."""

    def __init__(self, name, base_uri, env, config=None):
        self.name = name
        self.base_uri = base_uri
        self.env = env
        self.config = config or {}


@contextlib.contextmanager
def s3_store(front_for):
    with PeerCli(["s3_peers.py", "start", "moto"]) as peer:
        info = peer.info
        with front_for(info["endpoint"]) as front:
            yield Store("s3", f"s3://{info['bucket']}/tls", {
                "S3_ENDPOINT_URL": front.endpoint, "AWS_ACCESS_KEY_ID": info["access_key"],
                "AWS_SECRET_ACCESS_KEY": info["secret_key"], "AWS_REGION": info["region"]}, {
                "client_config": {"connect_timeout": 5, "read_timeout": 10}}), front


@contextlib.contextmanager
def azure_store(front_for):
    with PeerCli(["azure_peers.py", "start", "azurite"]) as peer:
        info = peer.info
        with front_for(info["endpoint"]) as front:
            connection = (f"DefaultEndpointsProtocol=https;AccountName={info['account']};"
                          f"AccountKey={info['key']};BlobEndpoint={front.endpoint};")
            yield Store("azure", f"azure://{info['container']}/tls",
                        {"AZURE_STORAGE_CONNECTION_STRING": connection}), front


@contextlib.contextmanager
def gcs_store(front_for):
    with PeerCli([os.path.join(SOURCE, "tests", "gcs", "fake_gcs_server.py"), "start", "--no-auth"]) as peer:
        with front_for(peer.info["endpoint"]) as front:
            yield Store("gcs", "gs://cairn-tls/tls", {"STORAGE_EMULATOR_HOST": front.endpoint}), front


@contextlib.contextmanager
def oci_store(front_for):
    with PeerCli(["oci_fake_server.py", "start"]) as peer:
        info = peer.info
        with front_for(info["endpoint"]) as front:
            yield Store("oci", f"oci://{info['buckets'][0]}/tls", {
                "OCI_CONFIG_FILE": info["config_file"], "OCI_OBJECT_STORAGE_ENDPOINT": front.endpoint}), front


STORES = {"s3": s3_store, "azure": azure_store, "gcs": gcs_store, "oci": oci_store}


def run_cairn(cairn, args, env, cwd):
    full_env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    full_env.update(env)
    result = subprocess.run([cairn, *args], env=full_env, cwd=cwd, capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout, result.stderr


def config_args(store, extra=None):
    config = dict(store.config, **(extra or {}))
    return ["--store-config", json.dumps(config)] if config else []


def one_line(text):
    lines = [line for line in text.splitlines() if line.strip()]
    return len(lines) == 1


def check_store(checks, cairn, store, front, certs, work):
    name = store.name
    payload = os.path.join(work, "payload.bin")
    with open(payload, "wb") as f:
        f.write(os.urandom(300_000))

    # Refused by default, in one line, not retried.
    before = front.counts()
    status, _, err = run_cairn(cairn, ["ls", store.base_uri, *config_args(store)], store.env, work)
    after = front.counts()
    checks.expect(status != 0, f"{name}: an untrusted certificate is refused", err)
    print(f"refusal: {err.strip()}", flush=True)
    endpoint = front.endpoint.split("/", 3)
    origin = "/".join(endpoint[:3])
    for needle in ("not trusted", origin, "ca_bundle", *BUNDLE_VARIABLES):
        checks.expect(needle in err, f"{name}: the refusal names {needle!r}", err)
    checks.expect(one_line(err), f"{name}: the refusal is one line", err)
    checks.expect(after[1] - before[1] == 1 and after[0] == before[0],
                  f"{name}: refused after exactly one handshake (not retried)",
                  f"handshakes {after[0] - before[0]}, refused {after[1] - before[1]}")

    # Trusted through each variable, and through the setting.
    ways = [(f"${var}", {var: certs["good"]}, {}) for var in BUNDLE_VARIABLES]
    ways.append(("ca_bundle", {}, {"ca_bundle": certs["good"]}))
    for label, env, extra in ways:
        key = f"{store.base_uri}/{label.strip('$').lower()}.bin"
        run_env = dict(store.env, **env)
        status, _, err = run_cairn(cairn, ["cp", payload, key, *config_args(store, extra)], run_env, work)
        checks.expect(status == 0, f"{name}: upload trusted through {label}", err)
        status, out, err = run_cairn(cairn, ["ls", store.base_uri, *config_args(store, extra)], run_env, work)
        checks.expect(status == 0 and key.rsplit("/", 2)[-2] + "/" + key.rsplit("/", 1)[-1] in out,
                      f"{name}: listing trusted through {label}", err + out)
        back = os.path.join(work, f"back-{label.strip('$')}.bin")
        status, _, err = run_cairn(cairn, ["cp", key, back, *config_args(store, extra)], run_env, work)
        checks.expect(status == 0 and filecmp.cmp(payload, back, shallow=False),
                      f"{name}: download trusted through {label} is byte-identical", err)

    # Precedence: the setting over the variables, then the variables in order.
    status, _, err = run_cairn(cairn, ["ls", store.base_uri, *config_args(store, {"ca_bundle": certs["good"]})],
                               dict(store.env, AWS_CA_BUNDLE=certs["wrong"]), work)
    checks.expect(status == 0, f"{name}: the ca_bundle setting wins over AWS_CA_BUNDLE", err)
    status, _, err = run_cairn(cairn, ["ls", store.base_uri, *config_args(store)],
                               dict(store.env, AWS_CA_BUNDLE=certs["good"], REQUESTS_CA_BUNDLE=certs["wrong"],
                                    SSL_CERT_FILE=certs["wrong"]), work)
    checks.expect(status == 0, f"{name}: AWS_CA_BUNDLE wins over REQUESTS_CA_BUNDLE and SSL_CERT_FILE", err)
    status, _, err = run_cairn(cairn, ["ls", store.base_uri, *config_args(store)],
                               dict(store.env, REQUESTS_CA_BUNDLE=certs["wrong"], SSL_CERT_FILE=certs["good"]), work)
    checks.expect(status != 0 and "$REQUESTS_CA_BUNDLE" in err,
                  f"{name}: REQUESTS_CA_BUNDLE wins over SSL_CERT_FILE (the wrong one is refused)", err)

    # A wrong bundle is refused, naming it and where it came from.
    for label, env, extra, source in (
            ("$SSL_CERT_FILE", {"SSL_CERT_FILE": certs["wrong"]}, {}, "$SSL_CERT_FILE"),
            ("ca_bundle", {}, {"ca_bundle": certs["wrong"]}, "ca_bundle")):
        status, _, err = run_cairn(cairn, ["ls", store.base_uri, *config_args(store, extra)],
                                   dict(store.env, **env), work)
        checks.expect(status != 0 and certs["wrong"] in err and source in err and "not trusted" in err
                      and one_line(err), f"{name}: a wrong bundle from {label} is refused, naming it", err)

    # A missing or certificate-less bundle: a config error, nothing sent.
    before = front.counts()
    missing = os.path.join(work, "no-such-bundle.pem")
    status, _, err = run_cairn(cairn, ["ls", store.base_uri, *config_args(store)],
                               dict(store.env, REQUESTS_CA_BUNDLE=missing), work)
    checks.expect(status != 0 and "$REQUESTS_CA_BUNDLE" in err and missing in err and "cannot be read" in err
                  and one_line(err), f"{name}: a missing bundle from REQUESTS_CA_BUNDLE is a clear config error", err)
    status, _, err = run_cairn(cairn, ["ls", store.base_uri, *config_args(store, {"ca_bundle": certs["key"]})],
                               store.env, work)
    checks.expect(status != 0 and "ca_bundle" in err and "no PEM certificate" in err and one_line(err),
                  f"{name}: a ca_bundle that holds no certificate is a clear config error", err)
    after = front.counts()
    checks.expect(after == before, f"{name}: a bad bundle sends nothing", f"{before} -> {after}")

    if name == "s3":
        status, out, err = run_cairn(cairn, ["ls", store.base_uri, *config_args(store, {"verify": False})],
                                     store.env, work)
        checks.expect(status == 0 and "verify is false" in err and "NOT checked" in err,
                      "s3: verify false works only with a warning", err)
        status, _, err = run_cairn(cairn, ["ls", store.base_uri,
                                           *config_args(store, {"verify": certs["good"]})], store.env, work)
        checks.expect(status == 0, "s3: verify PATH (boto3's) trusts that bundle", err)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cairn", required=True)
    parser.add_argument("--store", action="append", choices=sorted(STORES), help="only these stores")
    args = parser.parse_args()
    args.cairn = os.path.abspath(args.cairn)  # the runs change folders
    checks = Checks()
    skipped = []
    with tempfile.TemporaryDirectory(prefix="cairn-tls-") as work:
        certs = {}
        certs["good"], certs["key"] = make_certificate(work, "server")
        certs["wrong"], _ = make_certificate(work, "other")

        def front_for(upstream):
            return TlsFront(upstream, certs["good"], certs["key"])

        for name in args.store or sorted(STORES):
            try:
                with STORES[name](front_for) as (store, front):
                    print(f"-- {name} behind {front.endpoint}", flush=True)
                    store_work = os.path.join(work, name)
                    os.mkdir(store_work)
                    check_store(checks, args.cairn, store, front, certs, store_work)
            except Unavailable as e:
                print(f"CAIRN-SKIP {name}: {e}", flush=True)
                skipped.append(name)
    print(f"{checks.passed} checks passed, {len(checks.failures)} failed, skipped: {', '.join(skipped) or 'none'}")
    if checks.failures:
        return 1
    if skipped and os.environ.get("CAIRN_REQUIRE_PEERS") == "1":
        print("CAIRN_REQUIRE_PEERS=1: every peer must run")
        return 1
    if skipped and len(skipped) == len(args.store or STORES):
        return 77
    return 0


if __name__ == "__main__":
    sys.exit(main())
