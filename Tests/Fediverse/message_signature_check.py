"""An independent RFC 9421 HTTP Message Signatures implementation
(http-message-signatures, from PyPI) signing requests as Mastodon 4.5 does,
for Microcast's verifier to check:

    python3 message_signature_check.py post -> JSON: a POST signed over @method, @target-uri, content-digest
    python3 message_signature_check.py get  -> JSON: a GET signed over @method, @target-uri

Each with the signer's public key (PEM), the method, the URL, the headers and the body.
"""
import json
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from http_message_signatures import HTTPMessageSigner, MappingKeyResolver, algorithms

KEY_ID = "https://remote.example/users/ann#main-key"


class Request:
    """What the library reads of a request: its method, URL and headers."""

    def __init__(self, method, url, headers):
        self.method, self.url, self.headers = method, url, dict(headers)


key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
signer = HTTPMessageSigner(signature_algorithm=algorithms.RSA_V1_5_SHA256,
                           key_resolver=MappingKeyResolver(public_keys={}, private_keys={KEY_ID: key}))
if sys.argv[1] == "post":
    body = json.dumps({"type": "Follow", "actor": "https://remote.example/users/ann"}).encode()
    request = Request("POST", "https://site.example/actor/inbox", {"Content-Type": "application/activity+json"})
    signer.sign(request, key_id=KEY_ID, label="sig1", body=body,
                covered_component_ids=("@method", "@target-uri", "content-digest"))
else:
    body = b""
    request = Request("GET", "https://site.example/actor/outbox?page=2", {"Accept": "application/activity+json"})
    signer.sign(request, key_id=KEY_ID, label="sig1", covered_component_ids=("@method", "@target-uri"))
public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
print(json.dumps({"publicKey": public, "method": request.method, "url": request.url,
                  "headers": dict(request.headers), "body": body.decode()}))
