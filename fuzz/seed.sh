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
