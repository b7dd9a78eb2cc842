"""Scrapes a /metrics URL as Prometheus would and prints what it parsed.

Usage: scrape_metrics.py URL [TOKEN]

Prints JSON: {"families": {name: type}, "samples": [[name, labels, value], ...]},
or exits non-zero with the parser's complaint: the Python client's text-format
parser is strict about names, labels, escaping and the TYPE lines.
"""

import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families


def main():
    url = sys.argv[1]
    request = urllib.request.Request(url)
    if len(sys.argv) > 2:
        request.add_header("Authorization", "Bearer " + sys.argv[2])
    with urllib.request.urlopen(request, timeout=60) as response:
        content_type = response.headers.get("Content-Type", "")
        text = response.read().decode("utf-8")
    families = {}
    samples = []
    for family in text_string_to_metric_families(text):
        families[family.name] = family.type
        for sample in family.samples:
            samples.append([sample.name, sample.labels, sample.value])
    print(json.dumps({"contentType": content_type, "families": families, "samples": samples}))


main()
