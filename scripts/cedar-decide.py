#!/usr/bin/env python3
"""Decides Cedar requests with cedarpy (the Rust Cedar engine), for Nodeward's differential test.

stdin:  {"policies": str, "schema": str | null, "entities": str | list, "requests": [{principal, action, resource, context}]}
stdout: {"cedarpy": version, "decisions": [{"decision": "Allow" | "Deny", "reasons": [policy id], "errors": [str]}],
         "validation": [str]}  (strict validation of the policies against the schema, when one is given)
Exit 2 with a message on stderr when cedarpy is missing or the input is malformed.
"""
import json
import sys

try:
    import cedarpy
except ImportError:
    sys.stderr.write("cedarpy is not installed for %s: python3 -m venv .build/cedar-venv && "
                     ".build/cedar-venv/bin/pip install cedarpy\n" % sys.executable)
    sys.exit(2)


def main():
    try:
        bundle = json.load(sys.stdin)
        requests = bundle["requests"]
    except (ValueError, KeyError) as error:
        sys.stderr.write("bad input: %s\n" % error)
        sys.exit(2)
    policies = cedarpy.PolicySet.from_str(bundle["policies"]) if hasattr(cedarpy, "PolicySet") else bundle["policies"]
    schema = bundle.get("schema")
    results = cedarpy.is_authorized_batch(requests, policies, bundle["entities"], schema)
    decisions = []
    for result in results:
        diagnostics = result.diagnostics
        decisions.append({
            "decision": "Allow" if result.allowed else "Deny",
            "reasons": sorted(str(reason) for reason in diagnostics.reasons),
            "errors": [str(error) for error in diagnostics.errors],
        })
    validation = []
    if schema:
        validation = [str(error.error) for error in cedarpy.validate_policies(bundle["policies"], schema).errors]
    version = getattr(cedarpy, "__version__", None)
    json.dump({"cedarpy": version, "decisions": decisions, "validation": validation}, sys.stdout)


if __name__ == "__main__":
    main()
