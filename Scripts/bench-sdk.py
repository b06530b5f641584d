"""Microsoft's Python SDK (azure-monitor-ingestion) sending an NDJSON file, for Scripts/bench-drain.

Reads the file into a list of dicts, as a caller of `LogsIngestionClient.upload` must, and uploads
it to the endpoint in a client config written by `cvebuster-outbox emulator --write-config`. The
token comes from the config's authority with the client secret; the SDK's bearer policy is told
the endpoint may be plain HTTP (the emulator on loopback).

Usage: python3 Scripts/bench-sdk.py CONFIG.json FINDINGS.ndjson
Prints one line: rows, seconds loading, seconds uploading, peak RSS in MB.
"""

import json
import resource
import sys
import time
import urllib.parse
import urllib.request

from azure.core.credentials import AccessToken
from azure.monitor.ingestion import LogsIngestionClient


class ConfigSecretCredential:
    """A client-secret credential for the config's `authority_host` (which may be http://)."""

    def __init__(self, config):
        self._url = f"{config['authority_host'].rstrip('/')}/{config['tenant_id']}/oauth2/v2.0/token"
        self._form = {"grant_type": "client_credentials", "client_id": config["application_id"],
                      "client_secret": config["application_secret"]}

    def get_token(self, *scopes, **_):
        form = urllib.parse.urlencode({**self._form, "scope": " ".join(scopes)}).encode()
        with urllib.request.urlopen(urllib.request.Request(self._url, data=form)) as response:
            answer = json.load(response)
        return AccessToken(answer["access_token"], int(time.time()) + int(answer["expires_in"]))


def main(config_path, findings_path):
    with open(config_path) as file:
        config = json.load(file)
    started = time.monotonic()
    with open(findings_path) as file:
        logs = [json.loads(line) for line in file if line.strip()]
    loaded = time.monotonic()
    client = LogsIngestionClient(endpoint=config["dce_endpoint"], credential=ConfigSecretCredential(config))
    client.upload(rule_id=config["dcr_immutable_id"], stream_name=config["stream_name"], logs=logs,
                  enforce_https=False)
    uploaded = time.monotonic()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows={len(logs)} load_s={loaded - started:.2f} upload_s={uploaded - loaded:.2f} peak_rss_mb={peak_mb:.0f}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
