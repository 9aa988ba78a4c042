"""PAdES level of every signature of a PDF by pyHanko's AdES validation (ETSI EN 319 102-1).

Usage: python3 pyhanko_ades.py FILE.pdf TRUST_ROOT.pem

Prints one JSON document: {"signatures": [...], "error": null}. Per /Sig signature:
  field_name, basic (AdES indication of basic validation: "PASSED/OK" style),
  signature_ts (the signature timestamp is valid: B-T), with_time (AdES with-time indication),
  best_signature_time, lt (validation with revocation REQUIRED for every certificate, using only
  the file's DSS and no fetching: B-LT), lta (AdES LTA indication: B-LTA), doc_timestamps
  (number of document timestamps after the signature) and level: the highest of B-B, B-T,
  B-LT, B-LTA whose check passed.
Nothing is fetched: revocation data must come from the document itself.
"""

import asyncio
import json
import sys
from datetime import datetime, timezone

from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import ades
from pyhanko.sign.validation.policy_decl import (
    PdfSignatureValidationSpec,
    RevinfoOnlineFetchingRule,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
    CertificateFetchingRule,
)
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    REQUIRE_REVINFO,
    NO_REVOCATION,
)
from pyhanko_certvalidator.registry import SimpleTrustManager


def spec(root, revocation, local_knowledge=None):
    policy = CertValidationPolicySpec(
        trust_manager=SimpleTrustManager.build(trust_roots=[root]),
        revinfo_policy=CertRevTrustPolicy(revocation),
    )
    return PdfSignatureValidationSpec(
        SignatureValidationSpec(
            cert_validation_policy=policy,
            revinfo_gathering_policy=RevocationInfoGatheringSpec(
                online_fetching_rule=RevinfoOnlineFetchingRule.LOCAL_ONLY,
                certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH,
            ),
            **({} if local_knowledge is None else {"local_knowledge": local_knowledge}),
        )
    )


def indication(result):
    return None if result is None else str(result.ades_subindic)


def passed(result):
    return result is not None and str(result.ades_subindic).endswith("OK")


async def describe(embedded, root, reader):
    entry = {"field_name": embedded.field_name, "error": None}
    try:
        relaxed = spec(root, NO_REVOCATION)
        strict = spec(root, REQUIRE_REVINFO)
        basic = await ades.ades_basic_validation(
            embedded.signed_data,
            relaxed.signature_validation_spec,
            raw_digest=embedded.compute_digest(),
        )
        entry["basic"] = indication(basic)
        with_time = await ades.ades_with_time_validation(
            embedded.signed_data,
            relaxed.signature_validation_spec,
            raw_digest=embedded.compute_digest(),
        )
        entry["with_time"] = indication(with_time)
        entry["best_signature_time"] = with_time.best_signature_time.isoformat()
        ts = getattr(with_time.api_status, "timestamp_validity", None)
        has_ts = ts is not None and bool(ts.intact and ts.valid and ts.trusted)
        entry["signature_ts"] = has_ts
        entry["signature_ts_time"] = None if ts is None else ts.timestamp.isoformat()
        # LT: with-time validation with revocation information required for every
        # certificate, taken from the DSS only (LOCAL_ONLY fetching).
        dss = ades._dss_to_local_knowledge(reader)
        lt = await ades.ades_with_time_validation(
            embedded.signed_data,
            spec(root, REQUIRE_REVINFO, dss).signature_validation_spec,
            raw_digest=embedded.compute_digest(),
        )
        entry["lt"] = indication(lt)
        # LTA: ETSI EN 319 102-1 §5.6.3 over the document timestamp chain.
        lta = await ades.ades_lta_validation(embedded, strict)
        entry["lta"] = indication(lta)
        entry["lta_ts_status"] = (
            None
            if lta.signature_timestamp_status is None
            else indication(lta.signature_timestamp_status)
        )
        entry["oldest_evidence_record_timestamp"] = (
            None
            if lta.oldest_evidence_record_timestamp is None
            else lta.oldest_evidence_record_timestamp.isoformat()
        )
        level = None
        if passed(basic):
            level = "B-B"
        if level and has_ts and passed(with_time):
            level = "B-T"
        if level == "B-T" and passed(lt):
            level = "B-LT"
            if passed(lta) and lta.oldest_evidence_record_timestamp is not None:
                level = "B-LTA"
        entry["level"] = level
    except Exception as error:  # a verdict, not a crash
        entry["error"] = f"{type(error).__name__}: {error}"
        entry["level"] = None
    return entry


async def main():
    pdf_path, root_path = sys.argv[1], sys.argv[2]
    root = load_cert_from_pemder(root_path)
    report = {"signatures": [], "error": None}
    try:
        with open(pdf_path, "rb") as handle:
            reader = PdfFileReader(handle, strict=False)
            for embedded in reader.embedded_regular_signatures:
                report["signatures"].append(await describe(embedded, root, reader))
            report["doc_timestamps"] = len(reader.embedded_timestamp_signatures)
    except Exception as error:
        report["error"] = f"{type(error).__name__}: {error}"
    json.dump(report, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    asyncio.run(main())
