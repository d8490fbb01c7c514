#!/usr/bin/python3
"""No secret leaves Cairn: recognisable fake secrets through every store's CLI paths.

For s3 (moto), gcs (the GCS fake with a service-account key and an
authorized_user file, and HMAC keys against moto), oci (the OCI fake, its key
file encrypted with a pass phrase) and azure (Azurite), this runs `cairn cp`
up and down, `cairn ls`, and `cairn fit` saving through the
RemoteUploaderDownloader with the secrets in its backend_kwargs, a JSONL
metrics log, and a resume from the store with the secrets in
--load-object-store; then the failing paths: a wrong key, an unreachable
endpoint, a bucket that does not exist. It fails, naming the secret and where it
appeared, if any secret (or a 16-character piece of one) shows up in any
stdout or stderr, in any file the runs wrote (logs, checkpoints, their bytes),
or in a checkpoint as Python's torch.load reads it (repr of the whole object).
Every planted canary holds the marker CAIRNCANARY, which is searched too.

usage: store_secrets_test.py --cairn BUILD/bin/cairn
Exit status 0: no leak and every run behaved as expected; 1: failures (listed);
77: no store's peer can run here (a failure under CAIRN_REQUIRE_PEERS=1).
"""
import argparse
import base64
import json
import os
import secrets as random_secrets
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE, "tests", "support"))
from peer_cli import PeerCli, Unavailable  # noqa: E402

MARKER = "CAIRNCANARY"
TORCH_PYTHON = "/usr/bin/python3"
CLEARED = ("AWS_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "AWS_PROFILE", "AWS_SESSION_TOKEN",
           "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "S3_ENDPOINT_URL", "STORAGE_EMULATOR_HOST",
           "GOOGLE_APPLICATION_CREDENTIALS", "GCS_KEY", "GCS_SECRET", "AZURE_STORAGE_CONNECTION_STRING",
           "AZURE_ACCOUNT_NAME", "AZURE_ACCOUNT_ACCESS_KEY", "OCI_CONFIG_FILE", "OCI_OBJECT_STORAGE_ENDPOINT",
           "CAIRN_PLUGIN_PATH", "COMPOSER_RUN_NAME", "RUN_NAME")
SAMPLE = ["fit", "--model", "mlp", "--data", "synthetic", "--seed", "42"]


def canary(what, alphabet_safe=False):
    """A recognisable fake secret: the marker, what it stands for, randomness."""
    text = f"{MARKER}{what}{random_secrets.token_hex(12)}"
    return text if not alphabet_safe else text.replace("-", "")


def pem_body(path):
    with open(path) as f:
        return "".join(line.strip() for line in f if not line.startswith("-----") and ":" not in line)


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Canary:
    def __init__(self, cairn, root):
        self.cairn = cairn
        self.root = root
        self.secrets = {}  # label -> text
        self.failures = []
        self.runs = 0
        self.scanned = 0

    def plant(self, label, text):
        self.secrets[label] = text
        return text

    def scan(self, where, text):
        """Labels of the secrets of which `text` holds any 16 characters in a
        row (or the whole, when shorter), and the marker; each is a failure."""
        self.scanned += 1
        if isinstance(text, bytes):
            text = text.decode("latin-1")
        windows = {}
        for label, secret in self.secrets.items():
            for i in range(max(1, len(secret) - 15)):
                windows.setdefault(secret[i:i + 16], label)
        found = {windows[text[i:i + 16]] for i in range(len(text) - 15) if text[i:i + 16] in windows}
        found |= {label for label, secret in self.secrets.items() if len(secret) < 16 and secret in text}
        found = sorted(found)
        if MARKER in text:
            found.append(f"the marker {MARKER}")
        for label in found:
            self.failures.append(f"{label} appeared in {where}")
            if where != "self-check":
                print(f"LEAK {label} appeared in {where}", flush=True)
        return found

    def self_check(self):
        """The detector finds a whole secret, a 16-character piece of one (in
        text and in bytes) and the marker; a clean text passes."""
        self.plant("the self-check secret", canary("selfcheck"))
        secret = self.secrets["the self-check secret"]
        found = [bool(self.scan("self-check", "a " + secret + " b")),
                 bool(self.scan("self-check", ("<" + secret[3:19] + ">").encode())),
                 bool(self.scan("self-check", "..." + MARKER + "...")),
                 not self.scan("self-check", "nothing secret here")]
        del self.secrets["the self-check secret"]
        self.failures = []
        self.expect(all(found), "the leak detector works", str(found))

    def expect(self, condition, what, detail=""):
        if not condition:
            # The detail is scanned output: printing it cannot leak what was not found.
            self.failures.append(what)
            print(f"FAIL {what}\n  {detail[-2000:]}", flush=True)

    def run(self, label, args, env, cwd, expect_ok):
        full_env = {k: v for k, v in os.environ.items() if k not in CLEARED}
        full_env.update(env)
        result = subprocess.run([self.cairn, *args], env=full_env, cwd=cwd, capture_output=True, text=True,
                                timeout=600)
        self.runs += 1
        self.scan(f"stdout of {label}", result.stdout)
        # Shown on failure only when it holds no secret (the test log is output too).
        detail = "(withheld: it holds a secret)" if self.scan(f"stderr of {label}", result.stderr) else result.stderr
        if expect_ok:
            self.expect(result.returncode == 0, f"{label} succeeds", detail)
        else:
            self.expect(result.returncode != 0, f"{label} fails", detail)
        why = "" if expect_ok or detail.startswith("(withheld") else ": " + (detail.strip().splitlines() or [""])[-1]
        print(f"ran {label}: exit {result.returncode}{why}", flush=True)
        return result

    def scan_files(self, folder, what):
        for base, _, names in os.walk(folder):
            for name in names:
                path = os.path.join(base, name)
                with open(path, "rb") as f:
                    self.scan(f"{what} file {os.path.relpath(path, folder)}", f.read())
                if name.endswith(".pt"):
                    self.scan_checkpoint(path, f"{what} checkpoint {os.path.relpath(path, folder)}")

    def scan_checkpoint(self, path, where):
        script = ("import sys, torch\n"
                  "state = torch.load(sys.argv[1], map_location='cpu')\n"
                  "torch.set_printoptions(profile='short')\n"
                  "print(repr(state))\n")
        result = subprocess.run([TORCH_PYTHON, "-c", script, path], capture_output=True, text=True, timeout=300)
        self.expect(result.returncode == 0, f"torch.load reads {where}", result.stderr)
        self.scan(f"{where} as torch.load reads it", result.stdout)


def store_paths(c, name, uri, env, config, work, fit_kwargs=None, load_store=None):
    """cp up, ls, cp down, fit saving remotely with a JSONL log, resume from the store."""
    folder = os.path.join(work, name)
    os.makedirs(folder)
    payload = os.path.join(folder, "payload.bin")
    with open(payload, "wb") as f:
        f.write(os.urandom(20_000))
    config_args = ["--store-config", json.dumps(config)] if config else []
    c.run(f"{name}: cp up", ["cp", payload, f"{uri}/canary/payload.bin", *config_args], env, folder, True)
    c.run(f"{name}: ls", ["ls", f"{uri}/", *config_args], env, folder, True)
    c.run(f"{name}: cp down", ["cp", f"{uri}/canary/payload.bin", os.path.join(folder, "back.bin"), *config_args],
          env, folder, True)
    bucket_uri = uri.split("/", 3)
    bucket_uri = "/".join(bucket_uri[:3])
    uploader = {"bucket_uri": bucket_uri, "num_attempts": 2, "initial_backoff_seconds": 0.05,
                "backend_kwargs": fit_kwargs if fit_kwargs is not None else config}
    c.run(f"{name}: fit saving through the uploader",
          [*SAMPLE, "--run-name", "canary", "--max-duration", "2ba", "--save-interval", "1ba", "--save-folder",
           f"fit-{name}", "--callback", "RemoteUploaderDownloader=" + json.dumps(uploader), "--callback",
           'JSONLLogger={"path": "logs/metrics.jsonl"}'], env, folder, True)
    # By name the store needs its bucket in the config (an azure:// URI's store reads the environment).
    load_config = dict(fit_kwargs if fit_kwargs is not None else config, bucket=bucket_uri.split("/")[2])
    load_args = [] if load_store == "" else ["--load-object-store", f"{load_store or name}={json.dumps(load_config)}"]
    # With a store named, the load path is an object name in it (Composer's rule).
    load_path = f"fit-{name}/latest-rank0.pt" if load_args else f"{bucket_uri}/fit-{name}/latest-rank0.pt"
    c.run(f"{name}: fit resuming from the store",
          [*SAMPLE, "--run-name", "canary2", "--max-duration", "3ba", "--load-path", load_path, *load_args,
           "--save-folder", "resumed"], env, folder, True)
    pointer = os.path.join(folder, "pointer")
    c.run(f"{name}: cp the remote latest pointer down",
          ["cp", f"{bucket_uri}/fit-{name}/latest-rank0.pt.symlink", pointer, *config_args], env, folder, True)
    if os.path.exists(pointer):
        with open(pointer) as f:
            remote_name = f.read().strip()
        c.run(f"{name}: cp the remote checkpoint down",
              ["cp", f"{bucket_uri}/{remote_name}", os.path.join(folder, "remote-latest.pt"), *config_args],
              env, folder, True)
    c.scan_files(folder, name)


def failing_paths(c, name, cases, work):
    folder = os.path.join(work, name + "-failing")
    os.makedirs(folder, exist_ok=True)
    payload = os.path.join(folder, "payload.bin")
    with open(payload, "wb") as f:
        f.write(b"x" * 1000)
    for label, uri, env, config in cases:
        config_args = ["--store-config", json.dumps(config)] if config else []
        c.run(f"{name}: ls with {label}", ["ls", f"{uri}/", *config_args], env, folder, False)
        c.run(f"{name}: cp up with {label}", ["cp", payload, f"{uri}/x.bin", *config_args], env, folder, False)
    c.scan_files(folder, name + " (failing)")


# --- the stores ----------------------------------------------------------------

def s3(c, work):
    with PeerCli(["s3_peers.py", "start", "moto"]) as peer:
        info = peer.info
        c.plant("the S3 secret access key", info["secret_key"])
        quick = {"client_config": {"connect_timeout": 2, "read_timeout": 5,
                                   "retries": {"total_max_attempts": 2, "deadline": 20}}}
        config = dict(quick, endpoint_url=info["endpoint"], aws_access_key_id=info["access_key"],
                      aws_secret_access_key=info["secret_key"])
        env = {"AWS_REGION": info["region"]}
        store_paths(c, "s3", f"s3://{info['bucket']}", env, config, work)
        wrong = c.plant("a wrong S3 secret", canary("s3secret"))
        token = c.plant("an S3 session token", canary("s3token"))
        env_wrong = dict(env, S3_ENDPOINT_URL=info["endpoint"], AWS_ACCESS_KEY_ID=info["access_key"],
                         AWS_SECRET_ACCESS_KEY=wrong, AWS_SESSION_TOKEN=token)
        good_env = dict(env, S3_ENDPOINT_URL=info["endpoint"], AWS_ACCESS_KEY_ID=info["access_key"],
                        AWS_SECRET_ACCESS_KEY=info["secret_key"])
        failing_paths(c, "s3", [
            ("a wrong secret", f"s3://{info['bucket']}", env_wrong, quick),
            ("an unreachable endpoint", f"s3://{info['bucket']}", good_env,
             dict(quick, endpoint_url=f"http://127.0.0.1:{closed_port()}")),
            ("a bucket that does not exist", "s3://no-such-bucket-canary", good_env, quick),
        ], work)
        return info


def gcs(c, work, moto_available):
    keys = os.path.join(work, "gcs-keys")  # outside every run's folder
    os.makedirs(keys)
    private_key = os.path.join(keys, "sa.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                    private_key], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    c.plant("the service account's private key", pem_body(private_key))
    with open(private_key) as f:
        pem = f.read()
    account = {"type": "service_account", "project_id": "canary-project", "private_key_id": "0123abcd",
               "private_key": pem, "client_email": "canary@canary-project.iam.gserviceaccount.com",
               "client_id": "1234567890", "token_uri": "set below"}
    user = {"type": "authorized_user", "client_id": "1234-canary.apps.googleusercontent.com",
            "client_secret": c.plant("an OAuth client secret", canary("clientsecret")),
            "refresh_token": c.plant("a refresh token", canary("refreshtoken")), "token_uri": "set below"}
    sa_path, user_path = os.path.join(keys, "sa.json"), os.path.join(keys, "user.json")
    for path, doc in ((sa_path, account), (user_path, user)):
        with open(path, "w") as f:
            json.dump(doc, f)
    fake = os.path.join(SOURCE, "tests", "gcs", "fake_gcs_server.py")
    # The fake learns the keys when it starts; its token_uri (in the files
    # Cairn reads) is known only then.
    with PeerCli([fake, "start", "--service-account", sa_path, "--authorized-user", user_path]) as peer:
        info = peer.info
        for path, doc in ((sa_path, account), (user_path, user)):
            doc["token_uri"] = info["token_uri"]
            with open(path, "w") as f:
                json.dump(doc, f)
        quick = {"api_endpoint": info["endpoint"], "timeout": 5,
                 "retry": {"max_attempts": 2, "initial": 0.05, "maximum": 0.1, "deadline": 20}}
        store_paths(c, "gcs-service-account", "gs://canary-sa", {}, dict(quick, credentials_file=sa_path), work,
                    load_store="gcs")
        store_paths(c, "gcs-authorized-user", "gs://canary-user", {}, dict(quick, credentials_file=user_path),
                    work, load_store="gcs")
        # A key the fake does not know: the token grant is refused.
        other_key = os.path.join(keys, "other.pem")
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out",
                        other_key], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        c.plant("an unknown service account's private key", pem_body(other_key))
        with open(other_key) as f:
            wrong_account = dict(account, private_key=f.read(), token_uri=info["token_uri"])
        wrong_path = os.path.join(keys, "wrong-sa.json")
        with open(wrong_path, "w") as f:
            json.dump(wrong_account, f)
        wrong_user = dict(user, refresh_token=c.plant("a revoked refresh token", canary("revoked")),
                          token_uri=info["token_uri"])
        wrong_user_path = os.path.join(keys, "wrong-user.json")
        with open(wrong_user_path, "w") as f:
            json.dump(wrong_user, f)
        failing_paths(c, "gcs", [
            ("an unknown service account key", "gs://canary-sa", {}, dict(quick, credentials_file=wrong_path)),
            ("a revoked refresh token", "gs://canary-user", {}, dict(quick, credentials_file=wrong_user_path)),
            ("an unreachable endpoint", "gs://canary-sa", {},
             dict(quick, credentials_file=sa_path, api_endpoint=f"http://127.0.0.1:{closed_port()}")),
        ], work)
        stats = json.loads(subprocess.run(["curl", "-s", info["endpoint"] + "/__fake__/stats"], capture_output=True,
                                          text=True).stdout or "{}")
        c.expect(stats.get("grants", {}).get("jwt_bearer", 0) > 0 and stats.get("grants", {}).get("refresh_token", 0) > 0,
                 "gcs: the service-account and refresh-token grants were used", json.dumps(stats.get("grants")))
    if moto_available:
        with PeerCli(["s3_peers.py", "start", "moto", "--bucket", "canary-hmac"]) as peer:
            info = peer.info
            c.plant("a GCS HMAC secret", info["secret_key"])
            quick = {"api_endpoint": info["endpoint"], "timeout": 5,
                     "retry": {"max_attempts": 2, "initial": 0.05, "maximum": 0.1, "deadline": 20}}
            env = {"GCS_KEY": info["access_key"], "GCS_SECRET": info["secret_key"]}
            store_paths(c, "gcs-hmac", "gs://canary-hmac", env, quick, work, load_store="gcs")
            wrong = {"GCS_KEY": info["access_key"], "GCS_SECRET": c.plant("a wrong GCS HMAC secret", canary("hmac"))}
            failing_paths(c, "gcs-hmac", [("a wrong HMAC secret", "gs://canary-hmac", wrong, quick)], work)


def oci(c, work):
    pass_phrase = c.plant("the OCI key's pass phrase", canary("ocipass"))
    with PeerCli(["oci_fake_server.py", "start", "--pass-phrase", pass_phrase]) as peer:
        info = peer.info
        c.plant("the OCI private key (encrypted PEM)", pem_body(info["key_file"]))
        quick = {"timeout": 5, "retry_strategy": {"max_attempts": 2, "total_elapsed_time_seconds": 20}}
        env = {"OCI_CONFIG_FILE": info["config_file"], "OCI_OBJECT_STORAGE_ENDPOINT": info["endpoint"]}
        bucket = info["buckets"][0]
        store_paths(c, "oci", f"oci://{bucket}", env, quick, work)
        with open(info["config_file"]) as f:
            text = f.read()
        wrong_config = os.path.join(os.path.dirname(info["config_file"]), "wrong-config")
        with open(wrong_config, "w") as f:
            f.write(text.replace(pass_phrase, c.plant("a wrong OCI pass phrase", canary("wrongpass"))))
        failing_paths(c, "oci", [
            ("a wrong pass phrase", f"oci://{bucket}", dict(env, OCI_CONFIG_FILE=wrong_config), quick),
            ("an unreachable endpoint", f"oci://{bucket}",
             dict(env, OCI_OBJECT_STORAGE_ENDPOINT=f"http://127.0.0.1:{closed_port()}"), quick),
            ("a bucket that does not exist", "oci://no-such-bucket-canary", env, quick),
        ], work)


def azure(c, work):
    with PeerCli(["azure_peers.py", "start", "azurite"]) as peer:
        info = peer.info
        c.plant("the Azure account key", info["key"])
        quick = {"provider_kwargs": {"timeout": 5, "retry_delay": 0.05}}
        env = {"AZURE_STORAGE_CONNECTION_STRING": info["connection_string"]}
        container = info["container"]
        store_paths(c, "azure", f"azure://{container}", env, {}, work, fit_kwargs={}, load_store="")
        # Valid base64 that carries the marker, so even a re-encoded leak is found.
        body = MARKER + "azurekey" + random_secrets.token_hex(16)
        wrong_key = c.plant("a wrong Azure account key", body + "A" * (-len(body) % 4))
        base64.b64decode(wrong_key, validate=True)
        wrong = {"AZURE_STORAGE_CONNECTION_STRING": info["connection_string"].replace(info["key"], wrong_key)}
        failing_paths(c, "azure", [
            ("a wrong account key", f"azure://{container}", wrong, quick),
            ("an unreachable endpoint", f"azure://{container}", {"AZURE_STORAGE_CONNECTION_STRING": info[
                "connection_string"].replace(f":{info['port']}/", f":{closed_port()}/")}, quick),
            ("a container that does not exist", "azure://no-such-container-canary", env, quick),
        ], work)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cairn", required=True)
    parser.add_argument("--store", action="append", choices=["s3", "gcs", "oci", "azure"])
    args = parser.parse_args()
    args.cairn = os.path.abspath(args.cairn)  # the runs change folders
    chosen = args.store or ["s3", "gcs", "oci", "azure"]
    skipped = []
    with tempfile.TemporaryDirectory(prefix="cairn-canary-") as work:
        c = Canary(args.cairn, work)
        c.self_check()
        moto = True
        for name in chosen:
            try:
                print(f"-- {name}", flush=True)
                if name == "s3":
                    s3(c, work)
                elif name == "gcs":
                    gcs(c, work, moto)
                elif name == "oci":
                    oci(c, work)
                else:
                    azure(c, work)
            except Unavailable as e:
                print(f"CAIRN-SKIP {name}: {e}", flush=True)
                skipped.append(name)
                if name == "s3":
                    moto = False
        print(f"{c.runs} cairn runs, {c.scanned} outputs and files scanned for {len(c.secrets)} secrets; "
              f"{len(c.failures)} failures; skipped: {', '.join(skipped) or 'none'}")
    if c.failures:
        return 1
    if skipped and os.environ.get("CAIRN_REQUIRE_PEERS") == "1":
        return 1
    return 77 if len(skipped) == len(chosen) else 0


if __name__ == "__main__":
    sys.exit(main())
