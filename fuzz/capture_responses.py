#!/usr/bin/python3
"""Writes the store-answer seeds (fuzz/corpus/store_xml, gcs_json, oci_json)
from what the test peers really answer: moto and s3rver (S3), Azurite
(Azure Blob), firebase-tools' GCS emulator, and the OCI fake (no OCI server
runs offline). A peer that cannot run here is skipped with a note.

  /usr/bin/python3 fuzz/capture_responses.py
"""
import json
import os
import sys
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
import azure_peers  # noqa: E402
import gcs_peers  # noqa: E402
import s3_peers  # noqa: E402
from loopback_server import PeerUnavailable  # noqa: E402

CORPUS = os.path.join(HERE, "corpus")


def save(target, name, body, status_byte=None):
    """gcs_json and oci_json take a status byte before the body (response_fuzzing.h)."""
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    data = (bytes([status_byte]) if status_byte is not None else b"") + body
    with open(os.path.join(folder, name), "wb") as out:
        out.write(data)
    print(f"{target}/{name}: {len(data)} bytes")


def raw_get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def capture_s3(kind):
    import boto3
    import botocore.config
    with s3_peers.start(kind, bucket="cairn-fuzz") as peer:
        for variable in [k for k in os.environ if k.startswith("AWS_")]:
            del os.environ[variable]
        client = boto3.session.Session().client("s3", endpoint_url=peer.endpoint, aws_access_key_id=peer.access_key,
                              aws_secret_access_key=peer.secret_key, region_name=peer.region,
                              config=botocore.config.Config(s3={"addressing_style": "path"}))
        bodies = {}
        client.meta.events.register("after-call.s3.*",
                                    lambda http_response, model, **_: bodies.__setitem__(model.name,
                                                                                         http_response.content))
        for name in ["ep1.pt", "ep2.pt", "dir/sub/latest-rank0.pt"]:
            client.put_object(Bucket="cairn-fuzz", Key=name, Body=b"x")
        client.list_objects_v2(Bucket="cairn-fuzz")
        save("store_xml", f"{kind}_list_page.xml", bodies["ListObjectsV2"])
        client.list_objects_v2(Bucket="cairn-fuzz", MaxKeys=2)
        save("store_xml", f"{kind}_list_page_truncated.xml", bodies["ListObjectsV2"])
        upload = client.create_multipart_upload(Bucket="cairn-fuzz", Key="big.pt")
        save("store_xml", f"{kind}_initiate_multipart.xml", bodies["CreateMultipartUpload"])
        try:
            client.abort_multipart_upload(Bucket="cairn-fuzz", Key="big.pt", UploadId=upload["UploadId"])
        except client.exceptions.ClientError:  # s3rver does not implement it
            save("store_xml", f"{kind}_error_method.xml", bodies["AbortMultipartUpload"])
        try:
            client.get_object(Bucket="cairn-fuzz", Key="missing.pt")
        except client.exceptions.NoSuchKey:
            pass
        save("store_xml", f"{kind}_error_nosuchkey.xml", bodies["GetObject"])
        try:
            client.list_objects_v2(Bucket="no-such-bucket-cairn")
        except client.exceptions.NoSuchBucket:
            pass
        save("store_xml", f"{kind}_error_nosuchbucket.xml", bodies["ListObjectsV2"])


def capture_azure():
    with azure_peers.start("azurite", container="cairn-fuzz") as peer:
        from azure.storage.blob import BlobServiceClient
        container = BlobServiceClient.from_connection_string(peer.connection_string).get_container_client("cairn-fuzz")
        for name in ["ep1.pt", "ep2.pt", "dir/odd & name.pt"]:
            container.upload_blob(name, b"x")
        list_query = [("restype", "container"), ("comp", "list")]
        _, body = azure_peers.shared_key_request(peer.endpoint, "GET", "/cairn-fuzz", peer.account, peer.key,
                                                 list_query)
        save("store_xml", "azurite_list_blobs.xml", body)
        _, body = azure_peers.shared_key_request(peer.endpoint, "GET", "/cairn-fuzz", peer.account, peer.key,
                                                 list_query + [("maxresults", "1")])
        save("store_xml", "azurite_list_blobs_marker.xml", body)
        _, body = azure_peers.shared_key_request(peer.endpoint, "GET", "/cairn-fuzz/missing.pt", peer.account,
                                                 peer.key)
        save("store_xml", "azurite_error_blobnotfound.xml", body)


def capture_gcs():
    with gcs_peers.start(bucket="cairn-fuzz") as peer:
        base = f"{peer.endpoint}/storage/v1/b/cairn-fuzz"
        for name in ["ep1.pt", "dir/odd name.pt"]:
            request = urllib.request.Request(
                f"{peer.endpoint}/upload/storage/v1/b/cairn-fuzz/o?uploadType=media&name="
                + urllib.request.quote(name, safe=""), data=b"x", method="POST")
            with urllib.request.urlopen(request, timeout=30) as response:
                save("gcs_json", f"emulator_upload_{len(name)}.json", response.read(), 0)
        status, body = raw_get(base + "/o")
        save("gcs_json", "emulator_list.json", body, 0)
        status, body = raw_get(base + "/o?maxResults=1")
        save("gcs_json", "emulator_list_page.json", body, 0)
        status, body = raw_get(base + "/o/ep1.pt")
        save("gcs_json", "emulator_metadata.json", body, 0)
        status, body = raw_get(base + "/o/missing.pt")
        save("gcs_json", f"emulator_error_{status}.json", body, 5)
        status, body = raw_get(f"{peer.endpoint}/storage/v1/b/no-such-bucket-cairn/o")
        save("gcs_json", f"emulator_error_bucket_{status}.json", body, 5)


def capture_oci():
    import subprocess
    server = subprocess.Popen(["/usr/bin/python3", os.path.join(HERE, "..", "tests", "support", "oci_fake_server.py"),
                               "start", "--bucket", "cairn-fuzz"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        info = json.loads(server.stdout.readline())
        if "unavailable" in info:
            raise PeerUnavailable(info["unavailable"])
        # Unsigned requests: the fake answers as OCI does, 401 NotAuthenticated.
        status, body = raw_get(f"{info['endpoint']}/n/{info['namespace']}/b/cairn-fuzz/o")
        save("oci_json", f"fake_error_{status}.json", body, 3)
    finally:
        server.stdin.close()
        server.wait(timeout=30)
    # Listings need signed requests: the fake's own ListObjects code, called directly.
    import threading
    import types
    import oci_fake_server
    answers = []
    handler = types.SimpleNamespace(send_answer=lambda status, body: answers.append(body))
    objects = {"ep1.pt": b"x", "ep2.pt": b"xy", "dir/latest-rank0.pt": b"xyz", "runs/\u00e9t\u00e9.pt": b""}
    handler.server = types.SimpleNamespace(store=types.SimpleNamespace(
        buckets={"cairn-fuzz": objects}, page_size=2, lock=threading.Lock()))
    oci_fake_server.Handler.list_objects(handler, "cairn-fuzz", {"fields": "name,size"})
    oci_fake_server.Handler.list_objects(handler, "cairn-fuzz", {"start": "ep2.pt"})
    save("oci_json", "fake_list_page.json", answers[0], 0)
    save("oci_json", "fake_list_last_page.json", answers[1], 0)


for label, capture in [("moto", lambda: capture_s3("moto")), ("s3rver", lambda: capture_s3("s3rver")),
                       ("azurite", capture_azure), ("gcs emulator", capture_gcs), ("oci fake", capture_oci)]:
    try:
        capture()
    except PeerUnavailable as why:
        print(f"{label}: skipped ({why})", file=sys.stderr)
