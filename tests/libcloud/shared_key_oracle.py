#!/usr/bin/python3
"""Shared Key signatures of two independent implementations, for comparing
Cairn's: Microsoft's Azure SDK (azure.storage.blob's SharedKeyCredentialPolicy)
and Apache libcloud (the azure_blobs driver's AzureBlobsConnection._get_azure_auth_signature).

stdin: one JSON request per line {"method", "url", "headers": [[name, value], ...]}
       (the headers as sent, without Authorization)
stdout: one JSON line per request {"sdk": "SharedKey acct:sig", "libcloud": "SharedKey acct:sig"}
The account and key come from AZURE_ACCOUNT_NAME and AZURE_ACCOUNT_ACCESS_KEY.
Exits with status 77 when either library is missing.
"""
import base64
import json
import os
import sys
import urllib.parse

try:
    from azure.core.pipeline import PipelineContext, PipelineRequest
    from azure.core.pipeline.transport import HttpRequest
    from azure.storage.blob._shared.authentication import SharedKeyCredentialPolicy
    from libcloud.storage.drivers.azure_blobs import AzureBlobsConnection
except ImportError as e:
    print(f"unavailable: {e} (Debian python3-azure and python3-libcloud for /usr/bin/python3)", file=sys.stderr)
    sys.exit(77)

account = os.environ["AZURE_ACCOUNT_NAME"]
key = os.environ["AZURE_ACCOUNT_ACCESS_KEY"]
policy = SharedKeyCredentialPolicy(account, key)
# The blob driver's connection: its API version (2018-11-09) signs a zero
# Content-Length as an empty slot, as Azure wants since 2015-02-21.
connection = AzureBlobsConnection(user_id=account, key=key)

for line in sys.stdin:
    request = json.loads(line)
    headers = dict(request["headers"])
    http_request = HttpRequest(request["method"], request["url"], headers=dict(headers))
    policy.on_request(PipelineRequest(http_request, PipelineContext(None)))
    url = urllib.parse.urlsplit(request["url"])
    params = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
    # libcloud sends no Content-Length for an empty body (and would sign a
    # "0" it is handed as "0", against the rule): hand it the request it sends.
    libcloud_headers = {k: v for k, v in headers.items() if not (k.lower() == "content-length" and v == "0")}
    by_libcloud = connection._get_azure_auth_signature(request["method"], libcloud_headers, params, account,
                                                       base64.b64decode(key), url.path)
    print(json.dumps({"sdk": http_request.headers["Authorization"], "libcloud": by_libcloud}), flush=True)
