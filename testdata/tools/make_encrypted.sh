#!/usr/bin/env bash
# Encrypted copies of testdata/pdf/classic.pdf, one per standard-handler revision, for the
# security handler's tests (testdata/pdf/encrypted/). qpdf's --static-id and --static-aes-iv
# make the output byte-for-byte reproducible (they are meant for tests: never for real files).
# Passwords: user "user", owner "owner" where a user password is set, else owner "owner".
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$here/pdf/classic.pdf"
out="$here/pdf/encrypted"
mkdir -p "$out"
enc() {
    local name="$1"
    shift
    qpdf --static-id --static-aes-iv "$@" "$out/$name"
}
# R2, RC4 40-bit, empty user password (permissions only).
enc r2-rc4-40.pdf --allow-weak-crypto --encrypt "" owner 40 -- "$src"
# R3, RC4 128-bit, user password "user".
enc r3-rc4-128-user.pdf --allow-weak-crypto --encrypt user owner 128 --use-aes=n -- "$src"
# R4, AES-128 (AESV2), empty user password, metadata left in clear.
enc r4-aes128.pdf --encrypt "" owner 128 --use-aes=y --cleartext-metadata -- "$src"
# R4, AES-128, empty user password, no form filling, annotating or modifying: signing is
# refused unless the owner password is given.
enc r4-aes128-no-forms.pdf --encrypt "" owner 128 --use-aes=y --form=n --annotate=n \
    --modify-other=n --assemble=n -- "$src"
# R5 (deprecated), AES-256, empty user password.
enc r5-aes256.pdf --encrypt "" owner 256 --force-R5 -- "$src"
# R6, AES-256, user password "user", object streams and a cross-reference stream.
enc r6-aes256-user-objstm.pdf --object-streams=generate --encrypt user owner 256 -- "$src"
