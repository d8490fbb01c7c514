#!/usr/bin/python3
"""The clients that check Cairn's libcloud store from outside: Apache libcloud
itself (Debian python3-libcloud 3.4.1) and Microsoft's Azure SDK (Debian
python3-azure, azure.storage.blob), run with /usr/bin/python3.

  peer_clients.py CLIENT list CONTAINER [PREFIX]     -> JSON {name: size}
  peer_clients.py CLIENT get CONTAINER NAME DEST
  peer_clients.py CLIENT put CONTAINER NAME SRC

CLIENT is one of
  libcloud-local BASE   libcloud's LocalStorageDriver(key=BASE)
  libcloud-azure        libcloud's AzureBlobsStorageDriver
  azure-sdk             azure.storage.blob's BlobServiceClient (uploads with
                        upload_blob(max_concurrency=8), downloads with
                        download_blob(max_concurrency=8))
The Azure clients read AZURE_STORAGE_CONNECTION_STRING (account, key and the
emulator's BlobEndpoint), so no key is on a command line. A client that is not
installed exits with status 77 and says which module is missing.
"""
import json
import os
import sys
import urllib.parse


def unavailable(what):
    print(f"unavailable: {what}", file=sys.stderr)
    sys.exit(77)


def connection_settings():
    text = os.environ.get("AZURE_STORAGE_CONNECTION_STRING", "")
    fields = dict(item.split("=", 1) for item in text.split(";") if "=" in item)
    if not fields.get("AccountName") or not fields.get("AccountKey") or not fields.get("BlobEndpoint"):
        sys.exit("peer_clients.py: AZURE_STORAGE_CONNECTION_STRING needs AccountName, AccountKey and BlobEndpoint")
    return fields


def libcloud_driver(kind, base=None):
    try:
        from libcloud.storage.providers import get_driver
        from libcloud.storage.types import Provider
    except ImportError as e:
        unavailable(f"apache libcloud for /usr/bin/python3 ({e}; Debian python3-libcloud)")
    if kind == "local":
        try:
            import fasteners  # noqa: F401  (the local driver's lock)
        except ImportError as e:
            unavailable(f"libcloud's local driver needs fasteners ({e}; Debian python3-fasteners)")
        return get_driver(Provider.LOCAL)(base)
    fields = connection_settings()
    endpoint = urllib.parse.urlsplit(fields["BlobEndpoint"])
    return get_driver(Provider.AZURE_BLOBS)(key=fields["AccountName"], secret=fields["AccountKey"],
                                            host=endpoint.hostname, port=endpoint.port,
                                            secure=endpoint.scheme == "https")


def run_libcloud(driver, command, args):
    container = driver.get_container(args[0])
    if command == "list":
        prefix = args[1] if len(args) > 1 else None
        return {o.name: o.size for o in driver.list_container_objects(container, prefix=prefix)}
    if command == "get":
        obj = driver.get_object(args[0], args[1])
        if not driver.download_object(obj, args[2], overwrite_existing=True):
            sys.exit(f"peer_clients.py: libcloud could not download {args[1]}")
        return {}
    if command == "put":
        driver.upload_object(args[2], container, args[1])
        return {}
    sys.exit(f"peer_clients.py: unknown command {command!r}")


def run_azure_sdk(command, args):
    try:
        from azure.storage.blob import BlobServiceClient
    except ImportError as e:
        unavailable(f"the Azure SDK for /usr/bin/python3 ({e}; Debian python3-azure)")
    service = BlobServiceClient.from_connection_string(os.environ["AZURE_STORAGE_CONNECTION_STRING"])
    container = service.get_container_client(args[0])
    if command == "list":
        prefix = args[1] if len(args) > 1 else None
        return {b.name: b.size for b in container.list_blobs(name_starts_with=prefix)}
    if command == "get":
        with open(args[2], "wb") as out:
            container.download_blob(args[1], max_concurrency=8).readinto(out)
        return {}
    if command == "put":
        with open(args[2], "rb") as data:
            container.upload_blob(args[1], data, overwrite=True, max_concurrency=8)
        return {}
    sys.exit(f"peer_clients.py: unknown command {command!r}")


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    client, rest = argv[1], argv[2:]
    if client == "libcloud-local":
        result = run_libcloud(libcloud_driver("local", rest[0]), rest[1], rest[2:])
    elif client == "libcloud-azure":
        result = run_libcloud(libcloud_driver("azure"), rest[0], rest[1:])
    elif client == "azure-sdk":
        result = run_azure_sdk(rest[0], rest[1:])
    else:
        sys.exit(f"peer_clients.py: unknown client {client!r}")
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv)
