"""An independent HTTP Signatures implementation (httpsig, from PyPI) on the
other side of Microcast's own:

    python3 httpsig_check.py sign    -> JSON: a request signed by httpsig, with its public key
    python3 httpsig_check.py verify  <- JSON on stdin: a request Microcast signed; prints ok or the error
"""
import base64
import hashlib
import json
import sys
from email.utils import formatdate

from Crypto.PublicKey import RSA
from httpsig import HeaderSigner, HeaderVerifier

if sys.argv[1] == "sign":
    key = RSA.generate(2048)
    body = json.dumps({"type": "Follow", "actor": "https://remote.example/users/ann"}).encode()
    headers = {
        "Host": "site.example",
        "Date": formatdate(usegmt=True),
        "Digest": "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode(),
        "Content-Type": "application/activity+json",
    }
    signer = HeaderSigner("https://remote.example/users/ann#main-key", key.export_key().decode(), algorithm="rsa-sha256",
                          headers=["(request-target)", "host", "date", "digest"], sign_header="signature")
    signed = signer.sign(headers, method="POST", path="/actor/inbox")
    print(json.dumps({"publicKey": key.publickey().export_key().decode(), "headers": dict(signed), "body": body.decode(),
                      "method": "POST", "path": "/actor/inbox"}))
else:
    request = json.load(sys.stdin)
    verifier = HeaderVerifier(request["headers"], request["publicKey"], required_headers=["(request-target)", "host", "date", "digest"],
                              method=request["method"], path=request["path"], sign_header="signature")
    try:
        print("ok" if verifier.verify() else "bad")
    except Exception as error:  # noqa: BLE001 - the reason is the answer
        print(f"error: {error}")
