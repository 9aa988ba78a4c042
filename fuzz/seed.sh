#!/bin/sh
# Copies the seed corpora into fuzz/corpus/<target>/ (git-ignored): every PDF in testdata/pdf and
# ../shared/corpus for `sign` and `xref`; short edit programs for `verify` (one per signed
# original and landmark, see harness/mutate.rs).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
shared=${SHARED_CORPUS:-$root/../../shared/corpus}
[ -d "$shared" ] || shared=/work/shared/corpus

for target in sign xref; do
    mkdir -p "$here/corpus/$target"
    cp "$root"/testdata/pdf/*.pdf "$here/corpus/$target/"
    if [ -d "$shared" ]; then
        find "$shared" -maxdepth 1 -name '*.pdf' -size -4M -exec cp {} "$here/corpus/$target/" \;
    fi
done

# security: the encrypted fixtures' encryption dictionaries with right and wrong passwords.
python3 "$root/testdata/tools/security_seeds.py" "$here/corpus/security" >/dev/null

mkdir -p "$here/corpus/verify"
# selector (original 0..6, +128 = with trust root), then edits: op anchor offset len payload.
original=0
while [ $original -lt 7 ]; do
    printf "\\$(printf %03o $original)" > "$here/corpus/verify/untouched-$original"
    anchor=0
    while [ $anchor -lt 24 ]; do
        # overwrite one byte 12 bytes after the landmark, and bump the number at the landmark.
        { printf "\\$(printf %03o $original)"; printf "\\000\\$(printf %03o $anchor)\\014\\001X"; } \
            > "$here/corpus/verify/o$original-a$anchor-overwrite"
        { printf "\\$(printf %03o $((original + 128)))"; printf "\\007\\$(printf %03o $anchor)\\013\\001\\001"; } \
            > "$here/corpus/verify/o$original-a$anchor-bump"
        anchor=$((anchor + 1))
    done
    original=$((original + 1))
done
echo "seeded: $(ls "$here/corpus/sign" | wc -l) PDFs for sign/xref, $(ls "$here/corpus/verify" | wc -l) programs for verify"

# service_request: one signed request per action, with the bodies the ESS documentation shows;
# a header block (may be empty) precedes the blank line. See harness/service.rs.
dir="$here/corpus/service_request"
mkdir -p "$dir"
seed() { printf "\\$(printf %03o "$1")%b" "$2" > "$dir/$3"; }
seed 0 '\n\n{"Caller":{"OperatorId":"demo-group-admin"},"FileInfos":[{"FileBody":"$PDF","FileName":"a.pdf"}],"BusinessType":"DOCUMENT"}' upload
seed 0 '\n\n{"Caller":{"OperatorId":"demo-group-admin"},"FileInfos":[{"FileBody":"JVBERi0xLjcK","FileName":"short.pdf"}],"BusinessType":"DOCUMENT"}' upload-short
seed 1 '\n\n{"Operator":{"UserId":"demo-group-admin"},"FileId":"$FILE","SyncMode":true}' countersign-sync
seed 1 '\n\n{"Operator":{"UserId":"demo-group-admin"},"FileId":"$FILE","SyncMode":false,"Agent":{"ProxyOrganizationId":"demo-subsidiary"}}' countersign-async
seed 2 '\n\n{"Operator":{"UserId":"demo-group-admin"},"TaskId":"nonexistent"}' describe-result
seed 3 '\n\n{"Operator":{"UserId":"demo-group-admin"},"BusinessType":"DIGITFILE","BusinessIds":["$FILE"],"FileType":"PDF"}' describe-urls
seed 4 '\n\n{"Operator":{"UserId":"demo-group-admin"},"FileId":"$FILE"}' verify
seed 7 'X-TC-Action: VerifyDigitFile\nX-TC-Region: ap-guangzhou\n\n{"FileId":"$FILE","Operator":{"UserId":"demo-group-admin"}}' header-action
seed 128 'Authorization: TC3-HMAC-SHA256 Credential=AKIDcountersignDemoGroupAdmin/2026-01-01/ess/tc3_request, SignedHeaders=content-type;host, Signature=00\nX-TC-Timestamp: 1767225600\nX-TC-Action: UploadFiles\nX-TC-Version: 2020-11-11\nContent-Type: application/json\nHost: ess.tencentcloudapi.com\n\n{}' forged-signature
echo "seeded: $(ls "$dir" | wc -l) requests for service_request"
