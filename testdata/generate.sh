#!/usr/bin/env bash
# Regenerates the committed test data: the test PKI (testdata/pki/) and the sample PDFs
# (testdata/pdf/). Usage: testdata/generate.sh [all|pki|trust|tsa|rfc5280|pubsec-pki|ed25519|sm2|pubsec|pdf]   (default: all)
#
# Keys are random, so a PKI run produces new keys and certificates; everything else (names,
# serials, validity, extensions, unsigned PDFs) is fixed. The signed PDFs depend on the PKI
# and on the signing time, so `pdf` must run after `pki` whenever the PKI changes.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
pki="$here/pki"
pdf="$here/pdf"
export PATH="$repo/.venv/bin:$PATH"

step() { printf '==> %s\n' "$*"; }

# ---------------------------------------------------------------------------------------------
# PKI
# ---------------------------------------------------------------------------------------------

not_before=20250101000000Z
not_after=20450101000000Z

# A throw-away `openssl ca` configuration: `openssl x509 -req` in OpenSSL 3.0 cannot set an
# absolute notBefore, `openssl ca` can (-startdate/-enddate).
write_ca_config() {
    local dir="$1"
    cat >"$dir/ca.cnf" <<CNF
[ ca ]
default_ca = demo_ca

[ demo_ca ]
dir              = $dir
database         = $dir/index.txt
serial           = $dir/serial
new_certs_dir    = $dir/new
default_md       = sha256
policy           = policy_any
unique_subject   = no
# Keep the subject exactly as requested (no reordering by policy).
preserve         = yes
copy_extensions  = none
email_in_dn      = no

[ policy_any ]
countryName            = optional
stateOrProvinceName    = optional
localityName           = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = supplied

[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
CN = placeholder

[ root_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash

[ intermediate_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ signer ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
CNF
    : >"$dir/index.txt"
    mkdir -p "$dir/new"
}

gen_key() { # name algorithm-args...
    local name="$1"
    shift
    openssl genpkey -quiet "$@" -out "$pki/$name.key.pem"
}

rsa_key() { gen_key "$1" -algorithm RSA -pkeyopt "rsa_keygen_bits:$2"; }
p256_key() { gen_key "$1" -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:named_curve; }

# issue NAME SUBJECT SERIAL(hex) EXTENSIONS ISSUER|-selfsign
issue() {
    local name="$1" subject="$2" serial="$3" extensions="$4" issuer="$5"
    local work="$tmp/$name"
    mkdir -p "$work"
    openssl req -new -config "$tmp/ca.cnf" -key "$pki/$name.key.pem" -subj "$subject" \
        -out "$work/req.csr"
    printf '%s\n' "$serial" >"$tmp/serial"
    local signing=(-keyfile "$pki/$issuer.key.pem" -cert "$pki/$issuer.cert.pem")
    if [[ "$issuer" == "-selfsign" ]]; then
        signing=(-selfsign -keyfile "$pki/$name.key.pem")
    fi
    openssl ca -batch -notext -config "$tmp/ca.cnf" -extensions "$extensions" \
        -startdate "$not_before" -enddate "$not_after" "${signing[@]}" \
        -in "$work/req.csr" -out "$pki/$name.cert.pem" 2>"$work/ca.log" ||
        { cat "$work/ca.log" >&2; return 1; }
}

# chain NAME ISSUERS...: signer first, then every issuer up to and including the root.
chain() {
    local name="$1"
    shift
    local files=("$pki/$name.cert.pem")
    local issuer
    for issuer in "$@"; do files+=("$pki/$issuer.cert.pem"); done
    cat "${files[@]}" >"$pki/$name.chain.pem"
}

# p12 NAME FRIENDLY-NAME ISSUERS... (password "demo", OpenSSL 3 defaults: AES-256-CBC, PBKDF2,
# HMAC-SHA256 MAC)
p12() {
    local name="$1" friendly="$2"
    shift 2
    local issuers="$tmp/$name.issuers.pem"
    : >"$issuers"
    local issuer
    for issuer in "$@"; do cat "$pki/$issuer.cert.pem" >>"$issuers"; done
    openssl pkcs12 -export -inkey "$pki/$name.key.pem" -in "$pki/$name.cert.pem" \
        -certfile "$issuers" -name "$friendly" -passout pass:demo -out "$pki/$name.p12"
}

generate_pki() {
    step "PKI -> testdata/pki/"
    rm -rf "$pki"
    mkdir -p "$pki"
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    write_ca_config "$tmp"

    local org="/C=CN/ST=Guangdong/L=Shenzhen/O=Demo Organisation"

    # Root and the organisation's issuing CA.
    rsa_key root-ca 3072
    issue root-ca "$org/OU=Demo PKI/CN=Demo Root CA" 1000 root_ca -selfsign
    rsa_key demo-ca 2048
    issue demo-ca "$org/OU=Demo PKI/CN=Demo Organisation CA" 2000 intermediate_ca root-ca

    # "demo": the organisation's RSA-2048 seal, the CLI's default credential.
    rsa_key demo 2048
    issue demo "$org/OU=Seal/CN=Demo Organisation" 3001 signer demo-ca
    chain demo demo-ca root-ca
    p12 demo "Demo Organisation" demo-ca root-ca
    openssl pkcs12 -export -legacy -inkey "$pki/demo.key.pem" -in "$pki/demo.cert.pem" \
        -certfile "$pki/demo-ca.cert.pem" -name "Demo Organisation" -passout pass:demo \
        -out "$pki/demo.legacy.p12"
    # Other encodings of the same key and certificate, for the loaders.
    openssl pkey -in "$pki/demo.key.pem" -traditional -out "$pki/demo.pkcs1.pem"
    openssl pkey -in "$pki/demo.key.pem" -outform DER -out "$pki/demo.key.der"
    openssl x509 -in "$pki/demo.cert.pem" -outform DER -out "$pki/demo.cert.der"
    openssl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -in "$pki/demo.key.pem" \
        -passout pass:demo -out "$pki/demo.key.enc.pem"

    # P-256 seal from the same issuing CA.
    p256_key demo-p256
    issue demo-p256 "$org/OU=Seal/CN=Demo Organisation P-256" 3002 signer demo-ca
    chain demo-p256 demo-ca root-ca
    p12 demo-p256 "Demo Organisation P-256" demo-ca root-ca
    openssl pkey -in "$pki/demo-p256.key.pem" -traditional -out "$pki/demo-p256.sec1.pem"

    # RSA-4096 seal with a five-certificate chain: root -> int1 -> int2 -> int3 -> signer.
    local level parent=root-ca
    for level in 1 2 3; do
        rsa_key "deep-int$level" 2048
        issue "deep-int$level" "$org/OU=Demo PKI/CN=Demo Deep CA $level" "400$level" \
            intermediate_ca "$parent"
        parent="deep-int$level"
    done
    rsa_key deep-rsa4096 4096
    issue deep-rsa4096 "$org/OU=Seal/CN=Demo Organisation RSA-4096" 4100 signer deep-int3
    chain deep-rsa4096 deep-int3 deep-int2 deep-int1 root-ca
    p12 deep-rsa4096 "Demo Organisation RSA-4096" deep-int3 deep-int2 deep-int1 root-ca

    # Only the root and the signers' own keys matter to tests; CA keys stay so the PKI can
    # be extended (e.g. a revoked or expired signer) without regenerating everything.
    verify_pki
    rm -rf "$tmp"
}

verify_pki() {
    local name
    for name in demo demo-p256; do
        openssl verify -x509_strict -CAfile "$pki/root-ca.cert.pem" \
            -untrusted "$pki/demo-ca.cert.pem" "$pki/$name.cert.pem" >/dev/null
    done
    cat "$pki/deep-int1.cert.pem" "$pki/deep-int2.cert.pem" "$pki/deep-int3.cert.pem" \
        >"$tmp/deep-untrusted.pem"
    openssl verify -x509_strict -CAfile "$pki/root-ca.cert.pem" \
        -untrusted "$tmp/deep-untrusted.pem" "$pki/deep-rsa4096.cert.pem" >/dev/null
    for name in demo demo-p256 deep-rsa4096; do
        openssl pkcs12 -in "$pki/$name.p12" -passin pass:demo -noout
    done
    openssl pkcs12 -legacy -in "$pki/demo.legacy.p12" -passin pass:demo -noout
    echo "    PKI verified (openssl verify -x509_strict, pkcs12 readable)"
}

# ---------------------------------------------------------------------------------------------
# PAdES B-T / B-LT / B-LTA: a TSA, an OCSP responder and a seal whose certificates name them.
# Files: tsa-*, ocsp-*. The URLs are fixed loopback ports the tests listen on:
#   OCSP http://127.0.0.1:18961   CRLs http://127.0.0.1:18962/tsa-root.crl, /tsa-ca.crl
# ---------------------------------------------------------------------------------------------

ocsp_url=http://127.0.0.1:18961
crl_base=http://127.0.0.1:18962

# write_ltv_sections DIR: the extension sections of the tsa- certificates, appended to a
# throw-away CA configuration in DIR.
write_ltv_sections() {
    cat >>"$1/ca.cnf" <<CNF

[ tsa_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
crlDistributionPoints  = URI:$crl_base/tsa-root.crl

[ tsa_signer ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
authorityInfoAccess    = OCSP;URI:$ocsp_url
crlDistributionPoints  = URI:$crl_base/tsa-ca.crl

[ tsa_tsa ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, nonRepudiation
extendedKeyUsage       = critical, timeStamping
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
authorityInfoAccess    = OCSP;URI:$ocsp_url
crlDistributionPoints  = URI:$crl_base/tsa-ca.crl

[ ocsp_responder ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = critical, OCSPSigning
noCheck                = ignored
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
CNF
}

generate_tsa_pki() {
    step "TSA / OCSP PKI -> testdata/pki/tsa-*, ocsp-*"
    [[ -f "$pki/root-ca.key.pem" ]] || { echo "run '$0 pki' first" >&2; exit 1; }
    local top
    top="$(mktemp -d)"
    local org="/C=CN/ST=Guangdong/L=Shenzhen/O=Demo Organisation"

    # The root's database: it issues tsa-ca and signs tsa-root.crl (revoking nothing).
    tmp="$top/root"
    mkdir -p "$tmp"
    write_ca_config "$tmp"
    write_ltv_sections "$tmp"
    rsa_key tsa-ca 2048
    issue tsa-ca "$org/OU=Demo PKI/CN=Demo LTV CA" 5000 tsa_ca root-ca
    openssl ca -gencrl -batch -config "$tmp/ca.cnf" -keyfile "$pki/root-ca.key.pem" \
        -cert "$pki/root-ca.cert.pem" -crldays 7300 -out "$tmp/root-ca.crl.pem" 2>/dev/null
    openssl crl -in "$tmp/root-ca.crl.pem" -outform DER -out "$pki/tsa-root.crl"

    # tsa-ca's database doubles as the OCSP responder's index (openssl ocsp -index).
    tmp="$top/tsa-ca"
    mkdir -p "$tmp"
    write_ca_config "$tmp"
    write_ltv_sections "$tmp"
    rsa_key tsa-signer 2048
    issue tsa-signer "$org/OU=Seal/CN=Demo Organisation LTV" 5001 tsa_signer tsa-ca
    chain tsa-signer tsa-ca root-ca
    p12 tsa-signer "Demo Organisation LTV" tsa-ca root-ca
    rsa_key tsa-tsa 2048
    issue tsa-tsa "$org/OU=Time Stamping/CN=Demo TSA" 5002 tsa_tsa tsa-ca
    chain tsa-tsa tsa-ca root-ca
    rsa_key ocsp-responder 2048
    issue ocsp-responder "$org/OU=Demo PKI/CN=Demo OCSP Responder" 5003 ocsp_responder tsa-ca
    # A revoked seal: the OCSP responder and the CRL both say so.
    rsa_key tsa-revoked 2048
    issue tsa-revoked "$org/OU=Seal/CN=Demo Organisation Revoked" 5004 tsa_signer tsa-ca
    chain tsa-revoked tsa-ca root-ca
    openssl ca -batch -config "$tmp/ca.cnf" -keyfile "$pki/tsa-ca.key.pem" \
        -cert "$pki/tsa-ca.cert.pem" -revoke "$pki/tsa-revoked.cert.pem" \
        -crl_reason keyCompromise 2>/dev/null
    openssl ca -gencrl -batch -config "$tmp/ca.cnf" -keyfile "$pki/tsa-ca.key.pem" \
        -cert "$pki/tsa-ca.cert.pem" -crldays 7300 -out "$tmp/tsa-ca.crl.pem" 2>/dev/null
    openssl crl -in "$tmp/tsa-ca.crl.pem" -outform DER -out "$pki/tsa-ca.crl"
    cp "$tmp/index.txt" "$pki/ocsp-index.txt"
    # An offline OCSP response (DER) on tsa-signer (good) and tsa-revoked (revoked).
    openssl ocsp -issuer "$pki/tsa-ca.cert.pem" -cert "$pki/tsa-signer.cert.pem" \
        -cert "$pki/tsa-revoked.cert.pem" -no_nonce -reqout "$tmp/ocsp-request.der" 2>/dev/null
    openssl ocsp -index "$pki/ocsp-index.txt" -CA "$pki/tsa-ca.cert.pem" \
        -rsigner "$pki/ocsp-responder.cert.pem" -rkey "$pki/ocsp-responder.key.pem" \
        -reqin "$tmp/ocsp-request.der" -ndays 7300 -respout "$pki/tsa-signer.ocsp" 2>/dev/null

    openssl verify -x509_strict -purpose timestampsign -CAfile "$pki/root-ca.cert.pem" \
        -untrusted "$pki/tsa-ca.cert.pem" "$pki/tsa-tsa.cert.pem" >/dev/null
    openssl verify -x509_strict -CAfile "$pki/root-ca.cert.pem" \
        -untrusted "$pki/tsa-ca.cert.pem" "$pki/tsa-signer.cert.pem" >/dev/null
    rm -rf "$top"
    echo "    TSA/OCSP PKI verified"
}

# ---------------------------------------------------------------------------------------------
# Trust PKI: certificates a verifier must not trust, under the committed demo CAs (trust-*)
# ---------------------------------------------------------------------------------------------

# Extension sections for the trust-* certificates, appended to the throw-away ca.cnf.
write_trust_extensions() {
    cat >>"$tmp/ca.cnf" <<CNF

[ trust_no_key_usage ]
basicConstraints       = critical, CA:FALSE
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ trust_encipher_only ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, keyEncipherment, dataEncipherment
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# Signs certificates but never says it is a CA (no basicConstraints).
[ trust_undeclared_ca ]
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ trust_pathlen0_ca ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
CNF
}

# issue_during NAME SUBJECT SERIAL EXTENSIONS ISSUER NOT-BEFORE NOT-AFTER
issue_during() {
    local saved_before="$not_before" saved_after="$not_after"
    not_before="$6" not_after="$7"
    issue "$1" "$2" "$3" "$4" "$5"
    not_before="$saved_before" not_after="$saved_after"
}

# Needs the committed root-ca and demo-ca (keys included); leaves every other file alone.
generate_trust_pki() {
    step "trust PKI -> testdata/pki/trust-*"
    rm -f "$pki"/trust-*
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    write_ca_config "$tmp"
    write_trust_extensions
    local org="/C=CN/ST=Guangdong/L=Shenzhen/O=Demo Organisation"

    # Self-signed: a perfect signature nobody configured to trust.
    rsa_key trust-selfsigned 2048
    issue trust-selfsigned "/C=CN/O=Nobody/CN=Self-Signed Impostor" 5001 signer -selfsign
    chain trust-selfsigned
    # Expired on 2025-07-01, inside its issuers' validity: a /M backdated before that date
    # makes the whole chain look valid at the claimed time.
    rsa_key trust-expired 2048
    issue_during trust-expired "$org/OU=Seal/CN=Trust Expired Signer" 5002 signer demo-ca \
        20250101000000Z 20250701000000Z
    chain trust-expired demo-ca root-ca
    # No keyUsage at all, and keyUsage that only allows encryption.
    rsa_key trust-no-ku 2048
    issue trust-no-ku "$org/OU=Seal/CN=Trust No KeyUsage" 5003 trust_no_key_usage demo-ca
    chain trust-no-ku demo-ca root-ca
    rsa_key trust-encipher-only 2048
    issue trust-encipher-only "$org/OU=Seal/CN=Trust Encipher Only" 5004 trust_encipher_only \
        demo-ca
    chain trust-encipher-only demo-ca root-ca
    # An issuer without basicConstraints, and the signer it issued.
    rsa_key trust-undeclared-ca 2048
    issue trust-undeclared-ca "$org/OU=Demo PKI/CN=Trust Undeclared CA" 5005 \
        trust_undeclared_ca demo-ca
    rsa_key trust-under-undeclared 2048
    issue trust-under-undeclared "$org/OU=Seal/CN=Trust Under Undeclared CA" 5006 signer \
        trust-undeclared-ca
    chain trust-under-undeclared trust-undeclared-ca demo-ca root-ca
    # pathLen 0 violated: root -> pathlen0 CA -> sub CA -> signer.
    rsa_key trust-pathlen0-ca 2048
    issue trust-pathlen0-ca "$org/OU=Demo PKI/CN=Trust PathLen0 CA" 5007 trust_pathlen0_ca \
        root-ca
    rsa_key trust-pathlen-sub-ca 2048
    issue trust-pathlen-sub-ca "$org/OU=Demo PKI/CN=Trust PathLen Sub CA" 5008 \
        intermediate_ca trust-pathlen0-ca
    rsa_key trust-pathlen-signer 2048
    issue trust-pathlen-signer "$org/OU=Seal/CN=Trust PathLen Signer" 5009 signer \
        trust-pathlen-sub-ca
    chain trust-pathlen-signer trust-pathlen-sub-ca trust-pathlen0-ca root-ca
    # Revoked by demo-ca's CRL (keyCompromise); the CRL is good for 20 years.
    rsa_key trust-revoked 2048
    issue trust-revoked "$org/OU=Seal/CN=Trust Revoked Signer" 500A signer demo-ca
    chain trust-revoked demo-ca root-ca
    openssl ca -batch -config "$tmp/ca.cnf" -keyfile "$pki/demo-ca.key.pem" \
        -cert "$pki/demo-ca.cert.pem" -revoke "$pki/trust-revoked.cert.pem" \
        -crl_reason keyCompromise 2>"$tmp/revoke.log" || { cat "$tmp/revoke.log" >&2; return 1; }
    openssl ca -batch -config "$tmp/ca.cnf" -keyfile "$pki/demo-ca.key.pem" \
        -cert "$pki/demo-ca.cert.pem" -gencrl -crldays 7300 -md sha256 \
        -out "$pki/trust-demo-ca.crl.pem" 2>"$tmp/crl.log" || { cat "$tmp/crl.log" >&2; return 1; }
    # A forged CRL: demo-ca's name, another key, revoking the demo seal (0x3001).
    rsa_key trust-forger 2048
    local forged="$tmp/forged"
    mkdir -p "$forged"
    write_ca_config "$forged"
    issue_as_forger() {
        openssl req -new -x509 -key "$pki/trust-forger.key.pem" -days 7300 \
            -subj "$org/OU=Demo PKI/CN=Demo Organisation CA" -out "$forged/forger.cert.pem"
        openssl ca -batch -config "$forged/ca.cnf" -keyfile "$pki/trust-forger.key.pem" \
            -cert "$forged/forger.cert.pem" -revoke "$pki/demo.cert.pem" \
            -crl_reason keyCompromise 2>"$forged/revoke.log"
        openssl ca -batch -config "$forged/ca.cnf" -keyfile "$pki/trust-forger.key.pem" \
            -cert "$forged/forger.cert.pem" -gencrl -crldays 7300 -md sha256 \
            -out "$pki/trust-forged.crl.pem" 2>"$forged/crl.log"
    }
    issue_as_forger || { cat "$forged"/*.log >&2; return 1; }
    rm -f "$pki/trust-forger.key.pem"
    verify_trust_pki
    rm -rf "$tmp"
}

verify_trust_pki() {
    local name
    for name in trust-no-ku trust-encipher-only trust-revoked; do
        openssl verify -x509_strict -CAfile "$pki/root-ca.cert.pem" \
            -untrusted "$pki/demo-ca.cert.pem" "$pki/$name.cert.pem" >/dev/null
    done
    # What openssl itself refuses: expired, revoked, pathLen, undeclared CA.
    ! openssl verify -CAfile "$pki/root-ca.cert.pem" -untrusted "$pki/demo-ca.cert.pem" \
        "$pki/trust-expired.cert.pem" >/dev/null 2>&1
    cat "$pki/root-ca.cert.pem" "$pki/trust-demo-ca.crl.pem" >"$tmp/with-crl.pem"
    ! openssl verify -crl_check -CAfile "$tmp/with-crl.pem" -untrusted "$pki/demo-ca.cert.pem" \
        "$pki/trust-revoked.cert.pem" >/dev/null 2>&1
    openssl verify -crl_check -CAfile "$tmp/with-crl.pem" -untrusted "$pki/demo-ca.cert.pem" \
        "$pki/demo.cert.pem" >/dev/null
    cat "$pki/trust-pathlen-sub-ca.cert.pem" "$pki/trust-pathlen0-ca.cert.pem" >"$tmp/pl.pem"
    ! openssl verify -CAfile "$pki/root-ca.cert.pem" -untrusted "$tmp/pl.pem" \
        "$pki/trust-pathlen-signer.cert.pem" >/dev/null 2>&1
    cat "$pki/trust-undeclared-ca.cert.pem" "$pki/demo-ca.cert.pem" >"$tmp/ud.pem"
    ! openssl verify -CAfile "$pki/root-ca.cert.pem" -untrusted "$tmp/ud.pem" \
        "$pki/trust-under-undeclared.cert.pem" >/dev/null 2>&1
    echo "    trust PKI verified (openssl verify agrees on every case)"
}

# ---------------------------------------------------------------------------------------------
# RFC 5280 PKI: critical extensions and name constraints (rfc5280-*)
# ---------------------------------------------------------------------------------------------

# An extension nobody implements (a private arc), and the name constraints under test.
write_rfc5280_extensions() {
    cat >>"$tmp/ca.cnf" <<CNF

[ rfc5280_unknown_critical_signer ]
basicConstraints        = critical, CA:FALSE
keyUsage                = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier    = hash
authorityKeyIdentifier  = keyid:always
1.3.6.1.4.1.55555.5280  = critical, ASN1:UTF8String:unknown

[ rfc5280_unknown_plain_signer ]
basicConstraints        = critical, CA:FALSE
keyUsage                = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier    = hash
authorityKeyIdentifier  = keyid:always
1.3.6.1.4.1.55555.5280  = ASN1:UTF8String:unknown

[ rfc5280_unknown_critical_ca ]
basicConstraints        = critical, CA:TRUE
keyUsage                = critical, keyCertSign, cRLSign
subjectKeyIdentifier    = hash
authorityKeyIdentifier  = keyid:always
1.3.6.1.4.1.55555.5280  = critical, ASN1:UTF8String:unknown

[ rfc5280_nc_ca ]
basicConstraints        = critical, CA:TRUE
keyUsage                = critical, keyCertSign, cRLSign
subjectKeyIdentifier    = hash
authorityKeyIdentifier  = keyid:always
nameConstraints         = critical, permitted;dirName:rfc5280_nc_dn, permitted;email:example.com, permitted;DNS:example.com, excluded;email:blocked@example.com, excluded;DNS:bad.example.com

[ rfc5280_nc_dn ]
C  = CN
ST = Guangdong
L  = Shenzhen
O  = Demo Organisation

# pyHanko cannot judge iPAddress constraints (it raises NotImplementedError): a CA of their own.
[ rfc5280_ip_ca ]
basicConstraints        = critical, CA:TRUE
keyUsage                = critical, keyCertSign, cRLSign
subjectKeyIdentifier    = hash
authorityKeyIdentifier  = keyid:always
nameConstraints         = critical, permitted;IP:10.0.0.0/255.0.0.0

# Policy extensions: accepted when they cannot invalidate the path, refused when they require
# an explicit policy (the validator does not build the policy tree).
[ rfc5280_policy_ca ]
basicConstraints        = critical, CA:TRUE
keyUsage                = critical, keyCertSign, cRLSign
subjectKeyIdentifier    = hash
authorityKeyIdentifier  = keyid:always
certificatePolicies     = critical, 1.3.6.1.4.1.55555.1.1
inhibitAnyPolicy        = critical, 0
policyConstraints       = critical, inhibitPolicyMapping:0

[ rfc5280_explicit_policy_ca ]
basicConstraints        = critical, CA:TRUE
keyUsage                = critical, keyCertSign, cRLSign
subjectKeyIdentifier    = hash
authorityKeyIdentifier  = keyid:always
policyConstraints       = critical, requireExplicitPolicy:0

[ rfc5280_uri_ca ]
basicConstraints        = critical, CA:TRUE
keyUsage                = critical, keyCertSign, cRLSign
subjectKeyIdentifier    = hash
authorityKeyIdentifier  = keyid:always
nameConstraints         = critical, permitted;URI:.example.com
CNF
}

# san_signer SECTION SUBJECT-ALT-NAME: a signer section with that subjectAltName.
san_signer() {
    cat >>"$tmp/ca.cnf" <<CNF

[ $1 ]
basicConstraints        = critical, CA:FALSE
keyUsage                = critical, digitalSignature, nonRepudiation
subjectKeyIdentifier    = hash
authorityKeyIdentifier  = keyid:always
subjectAltName          = $2
CNF
}

# rfc5280_leaf NAME SUBJECT SERIAL EXTENSIONS ISSUER CHAIN-ISSUERS...
rfc5280_leaf() {
    local name="$1" subject="$2" serial="$3" extensions="$4" issuer="$5"
    shift 5
    rsa_key "$name" 2048
    issue "$name" "$subject" "$serial" "$extensions" "$issuer"
    chain "$name" "$@"
}

# Needs the committed root-ca (key included); leaves every other file alone.
generate_rfc5280_pki() {
    step "RFC 5280 PKI -> testdata/pki/rfc5280-*"
    rm -f "$pki"/rfc5280-*
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    write_ca_config "$tmp"
    # The emailAddress attribute must stay in the subject: one case puts the address there.
    sed -i -e 's/^email_in_dn .*/email_in_dn      = yes/' \
        -e 's/^commonName .*= supplied/&\nemailAddress           = optional/' "$tmp/ca.cnf"
    write_rfc5280_extensions
    san_signer rfc5280_san_ok "email:seal@example.com, DNS:seal.example.com"
    san_signer rfc5280_san_ok_ip "IP:10.1.2.3"
    san_signer rfc5280_san_ok_email "email:seal@example.com"
    san_signer rfc5280_san_foreign_email "email:seal@other.test"
    san_signer rfc5280_san_excluded_email "email:blocked@example.com"
    san_signer rfc5280_san_excluded_dns "DNS:bad.example.com"
    san_signer rfc5280_san_foreign_dns "DNS:seal.other.test"
    san_signer rfc5280_san_foreign_ip "IP:192.168.1.1"
    san_signer rfc5280_san_foreign_uri "URI:http://other.test/"
    local org="/C=CN/ST=Guangdong/L=Shenzhen/O=Demo Organisation"
    local other="/C=CN/ST=Guangdong/L=Shenzhen/O=Other Organisation"

    # An unknown extension on the signer, critical and not, and critical on an intermediate.
    rfc5280_leaf rfc5280-unknown-critical "$org/OU=Seal/CN=RFC5280 Unknown Critical Signer" \
        6001 rfc5280_unknown_critical_signer demo-ca demo-ca root-ca
    rfc5280_leaf rfc5280-unknown-plain "$org/OU=Seal/CN=RFC5280 Unknown Non-Critical Signer" \
        6002 rfc5280_unknown_plain_signer demo-ca demo-ca root-ca
    rsa_key rfc5280-unknown-ca 2048
    issue rfc5280-unknown-ca "$org/OU=Demo PKI/CN=RFC5280 Unknown Critical CA" 6003 \
        rfc5280_unknown_critical_ca root-ca
    rfc5280_leaf rfc5280-under-unknown-ca "$org/OU=Seal/CN=RFC5280 Under Unknown Critical CA" \
        6004 signer rfc5280-unknown-ca rfc5280-unknown-ca root-ca

    # A name-constrained CA (DN, email, DNS) and signers inside and outside its subtrees.
    rsa_key rfc5280-nc-ca 2048
    issue rfc5280-nc-ca "$org/OU=Demo PKI/CN=RFC5280 Name Constrained CA" 6010 rfc5280_nc_ca \
        root-ca
    local nc=(rfc5280-nc-ca rfc5280-nc-ca root-ca)
    rfc5280_leaf rfc5280-nc-ok "$org/OU=Seal/CN=RFC5280 Permitted Signer/emailAddress=seal@example.com" \
        6011 rfc5280_san_ok "${nc[@]}"
    rfc5280_leaf rfc5280-nc-foreign-dn "$other/OU=Seal/CN=RFC5280 Foreign DN Signer" \
        6012 rfc5280_san_ok_email "${nc[@]}"
    rfc5280_leaf rfc5280-nc-email-in-dn "$org/OU=Seal/CN=RFC5280 Foreign Email In DN/emailAddress=seal@other.test" \
        6013 signer "${nc[@]}"
    rfc5280_leaf rfc5280-nc-foreign-email "$org/OU=Seal/CN=RFC5280 Foreign Email Signer" \
        6014 rfc5280_san_foreign_email "${nc[@]}"
    rfc5280_leaf rfc5280-nc-excluded-email "$org/OU=Seal/CN=RFC5280 Excluded Email Signer" \
        6015 rfc5280_san_excluded_email "${nc[@]}"
    rfc5280_leaf rfc5280-nc-excluded-dns "$org/OU=Seal/CN=RFC5280 Excluded DNS Signer" \
        6016 rfc5280_san_excluded_dns "${nc[@]}"
    rfc5280_leaf rfc5280-nc-foreign-dns "$org/OU=Seal/CN=RFC5280 Foreign DNS Signer" \
        6017 rfc5280_san_foreign_dns "${nc[@]}"
    # The constraints bind intermediates too: a sub CA outside the DN subtree.
    rsa_key rfc5280-nc-foreign-sub-ca 2048
    issue rfc5280-nc-foreign-sub-ca "$other/OU=Demo PKI/CN=RFC5280 Foreign Sub CA" 6019 \
        intermediate_ca rfc5280-nc-ca
    rfc5280_leaf rfc5280-nc-under-foreign-sub "$org/OU=Seal/CN=RFC5280 Under Foreign Sub CA" \
        601A signer rfc5280-nc-foreign-sub-ca rfc5280-nc-foreign-sub-ca rfc5280-nc-ca root-ca

    # iPAddress constraints: inside and outside 10.0.0.0/8.
    rsa_key rfc5280-ip-ca 2048
    issue rfc5280-ip-ca "$org/OU=Demo PKI/CN=RFC5280 IP Constrained CA" 6018 rfc5280_ip_ca \
        root-ca
    rfc5280_leaf rfc5280-ip-ok "$org/OU=Seal/CN=RFC5280 Permitted IP Signer" 601B \
        rfc5280_san_ok_ip rfc5280-ip-ca rfc5280-ip-ca root-ca
    rfc5280_leaf rfc5280-ip-foreign "$org/OU=Seal/CN=RFC5280 Foreign IP Signer" 601C \
        rfc5280_san_foreign_ip rfc5280-ip-ca rfc5280-ip-ca root-ca

    # Critical policy extensions that do not make policies required, and one that does.
    rsa_key rfc5280-policy-ca 2048
    issue rfc5280-policy-ca "$org/OU=Demo PKI/CN=RFC5280 Policy CA" 6030 rfc5280_policy_ca \
        root-ca
    rfc5280_leaf rfc5280-under-policy-ca "$org/OU=Seal/CN=RFC5280 Under Policy CA" 6031 signer \
        rfc5280-policy-ca rfc5280-policy-ca root-ca
    rsa_key rfc5280-explicit-policy-ca 2048
    issue rfc5280-explicit-policy-ca "$org/OU=Demo PKI/CN=RFC5280 Explicit Policy CA" 6032 \
        rfc5280_explicit_policy_ca root-ca
    rfc5280_leaf rfc5280-under-explicit-policy-ca "$org/OU=Seal/CN=RFC5280 Under Explicit Policy CA" \
        6033 signer rfc5280-explicit-policy-ca rfc5280-explicit-policy-ca root-ca

    # A constraint on a form the validator does not implement (URI): refused only when a
    # certificate below has a URI.
    rsa_key rfc5280-uri-ca 2048
    issue rfc5280-uri-ca "$org/OU=Demo PKI/CN=RFC5280 URI Constrained CA" 6020 rfc5280_uri_ca \
        root-ca
    rfc5280_leaf rfc5280-uri-foreign "$org/OU=Seal/CN=RFC5280 Foreign URI Signer" 6021 \
        rfc5280_san_foreign_uri rfc5280-uri-ca rfc5280-uri-ca root-ca
    rfc5280_leaf rfc5280-uri-none "$org/OU=Seal/CN=RFC5280 No URI Signer" 6022 signer \
        rfc5280-uri-ca rfc5280-uri-ca root-ca
    rm -rf "$tmp"
}

# ---------------------------------------------------------------------------------------------
# Public-key security handler (Adobe.PubSec): a recipient certificate and encrypted PDFs
# ---------------------------------------------------------------------------------------------

# An RSA encryption certificate under the committed demo-ca: the recipient the pubsec PDFs are
# encrypted for (pyHanko requires keyEncipherment). Leaves every other file alone.
generate_pubsec_pki() {
    step "pubsec PKI -> testdata/pki/pubsec-recipient.*"
    rm -f "$pki"/pubsec-recipient.*
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    write_ca_config "$tmp"
    cat >>"$tmp/ca.cnf" <<CNF

[ pubsec_recipient ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, keyEncipherment, dataEncipherment
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
CNF
    rsa_key pubsec-recipient 2048
    issue pubsec-recipient "/C=CN/ST=Guangdong/L=Shenzhen/O=Demo Organisation/OU=Records/CN=PubSec Recipient" \
        7001 pubsec_recipient demo-ca
    # The other encodings the constructors read: PKCS#1 PEM key, PKCS#8 DER key, DER certificate.
    openssl rsa -in "$pki/pubsec-recipient.key.pem" -traditional -out "$pki/pubsec-recipient.pkcs1.pem" 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in "$pki/pubsec-recipient.key.pem" -outform DER -out "$pki/pubsec-recipient.key.der"
    openssl x509 -in "$pki/pubsec-recipient.cert.pem" -outform DER -out "$pki/pubsec-recipient.cert.der"
    rm -rf "$tmp"
}

# Ed25519 (RFC 8419): an Ed25519 issuing CA under the root (so the signer's certificate is
# itself Ed25519-signed, for the chain path) and an Ed25519 seal under it. Independent of the
# rest of the PKI: regenerating it changes no other file.
generate_ed25519_pki() {
    step "Ed25519 PKI -> testdata/pki/ed25519-ca.*, demo-ed25519.*"
    rm -f "$pki"/ed25519-ca.* "$pki"/demo-ed25519.*
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    write_ca_config "$tmp"
    # Ed25519 signs the message itself (PureEdDSA): `openssl ca` takes no digest for it.
    sed -i 's/^default_md .*/default_md       = default/' "$tmp/ca.cnf"
    local org="/C=CN/ST=Guangdong/L=Shenzhen/O=Demo Organisation"
    gen_key ed25519-ca -algorithm ed25519
    issue ed25519-ca "$org/OU=Demo PKI/CN=Demo Organisation Ed25519 CA" 2100 intermediate_ca root-ca
    gen_key demo-ed25519 -algorithm ed25519
    issue demo-ed25519 "$org/OU=Seal/CN=Demo Organisation Ed25519" 3003 signer ed25519-ca
    chain demo-ed25519 ed25519-ca root-ca
    p12 demo-ed25519 "Demo Organisation Ed25519" ed25519-ca root-ca
    openssl verify -x509_strict -CAfile "$pki/root-ca.cert.pem" \
        -untrusted "$pki/ed25519-ca.cert.pem" "$pki/demo-ed25519.cert.pem" >/dev/null
    rm -rf "$tmp"
}

# PDFs encrypted for pubsec-recipient from classic.pdf, each with the file key pyHanko derives
# (hex, .key.txt) so that tests compare keys, not just "no error".
generate_pubsec() {
    step "pubsec PDFs -> testdata/pubsec/"
    python3 "$here/tools/make_pubsec.py" "$pki" "$pdf/classic.pdf" "$here/pubsec"
}

# ---------------------------------------------------------------------------------------------
# SM2/SM3 (GB/T 32918, GM/T 0006): an SM2 root -> SM2 CA -> SM2 signer, and an SM2 signer under
# the RSA demo-ca (a mixed chain). Files: sm2-*. Certificates are SM2-with-SM3
# (1.2.156.10197.1.501), keys id-ecPublicKey on the SM2 curve (1.2.156.10197.1.301); every SM2
# signature uses the standard user ID, which OpenSSL only applies when told (distid).
# ---------------------------------------------------------------------------------------------

sm2_distid=1234567812345678

sm2_key() { gen_key "$1" -algorithm SM2; }

# issue_sm2 NAME SUBJECT SERIAL EXTENSIONS ISSUER|-selfsign: `issue`, signed SM2-with-SM3.
issue_sm2() {
    local name="$1" subject="$2" serial="$3" extensions="$4" issuer="$5"
    local work="$tmp/$name"
    mkdir -p "$work"
    openssl req -new -config "$tmp/ca.cnf" -key "$pki/$name.key.pem" -subj "$subject" -sm3 \
        -sigopt "distid:$sm2_distid" -out "$work/req.csr"
    printf '%s\n' "$serial" >"$tmp/serial"
    local signing=(-keyfile "$pki/$issuer.key.pem" -cert "$pki/$issuer.cert.pem")
    if [[ "$issuer" == "-selfsign" ]]; then
        signing=(-selfsign -keyfile "$pki/$name.key.pem")
    fi
    openssl ca -batch -notext -config "$tmp/ca.cnf" -extensions "$extensions" -md sm3 \
        -sigopt "distid:$sm2_distid" -vfyopt "distid:$sm2_distid" \
        -startdate "$not_before" -enddate "$not_after" "${signing[@]}" \
        -in "$work/req.csr" -out "$pki/$name.cert.pem" 2>"$work/ca.log" ||
        { cat "$work/ca.log" >&2; return 1; }
}

# Leaves every other file alone: the RSA demo-ca (committed key) issues the mixed signer.
generate_sm2_pki() {
    step "SM2 PKI -> testdata/pki/sm2-*"
    [[ -f "$pki/demo-ca.key.pem" ]] || { echo "run '$0 pki' first" >&2; exit 1; }
    rm -f "$pki"/sm2-*
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    write_ca_config "$tmp"
    local org="/C=CN/ST=Guangdong/L=Shenzhen/O=Demo Organisation"

    sm2_key sm2-root
    issue_sm2 sm2-root "$org/OU=Demo SM2 PKI/CN=Demo SM2 Root CA" 8000 root_ca -selfsign
    sm2_key sm2-ca
    issue_sm2 sm2-ca "$org/OU=Demo SM2 PKI/CN=Demo SM2 Organisation CA" 8100 intermediate_ca sm2-root
    sm2_key sm2-signer
    issue_sm2 sm2-signer "$org/OU=Seal/CN=Demo Organisation SM2" 8101 signer sm2-ca
    chain sm2-signer sm2-ca sm2-root
    p12 sm2-signer "Demo Organisation SM2" sm2-ca sm2-root
    openssl pkey -in "$pki/sm2-signer.key.pem" -outform DER -out "$pki/sm2-signer.key.der"
    openssl pkey -in "$pki/sm2-signer.key.pem" -pubout -out "$pki/sm2-signer.pub.pem"

    # Mixed: RSA root-ca -> RSA demo-ca -> SM2 signer (SHA256withRSA certificate, SM2 key).
    sm2_key sm2-under-rsa
    issue sm2-under-rsa "$org/OU=Seal/CN=Demo Organisation SM2 under RSA" 8201 signer demo-ca
    chain sm2-under-rsa demo-ca root-ca

    # OpenSSL 3.0 applies -vfyopt's distid to the certificate it verifies, not to the untrusted
    # ones on the way: each link is checked on its own.
    openssl verify -x509_strict -partial_chain -vfyopt "distid:$sm2_distid" \
        -CAfile "$pki/sm2-root.cert.pem" "$pki/sm2-ca.cert.pem" >/dev/null
    openssl verify -x509_strict -partial_chain -vfyopt "distid:$sm2_distid" \
        -CAfile "$pki/sm2-ca.cert.pem" "$pki/sm2-signer.cert.pem" >/dev/null
    openssl verify -x509_strict -CAfile "$pki/root-ca.cert.pem" \
        -untrusted "$pki/demo-ca.cert.pem" "$pki/sm2-under-rsa.cert.pem" >/dev/null
    openssl pkcs12 -in "$pki/sm2-signer.p12" -passin pass:demo -noout
    echo "    SM2 PKI verified (openssl verify with the standard distid, pkcs12 readable)"
    rm -rf "$tmp"
}

# ---------------------------------------------------------------------------------------------
# PDFs
# ---------------------------------------------------------------------------------------------

generate_pdf() {
    step "PDFs -> testdata/pdf/"
    command -v qpdf >/dev/null || { echo "qpdf not installed" >&2; exit 1; }
    python3 -c 'import pyhanko' 2>/dev/null ||
        { echo "pyhanko not importable (create .venv, see testdata/README.md)" >&2; exit 1; }
    rm -rf "$pdf"
    mkdir -p "$pdf"
    python3 "$here/tools/make_pdfs.py" "$pdf"
    qpdf --deterministic-id --object-streams=generate "$pdf/classic.pdf" "$pdf/xref-stream.pdf"
    qpdf --deterministic-id --linearize "$pdf/classic.pdf" "$pdf/linearized.pdf"
    python3 "$here/tools/sign_pdfs.py" "$pki" "$pdf"
    python3 "$here/tools/check_pdfs.py" "$pdf"
    generate_pubsec
}

what="${1:-all}"
case "$what" in
all) generate_pki; generate_trust_pki; generate_tsa_pki; generate_rfc5280_pki; generate_pubsec_pki; generate_ed25519_pki; generate_sm2_pki; generate_pdf ;;
pki) generate_pki; generate_trust_pki; generate_tsa_pki; generate_rfc5280_pki; generate_pubsec_pki; generate_ed25519_pki; generate_sm2_pki ;;
ed25519) generate_ed25519_pki ;;
sm2) generate_sm2_pki ;;
pubsec-pki) generate_pubsec_pki ;;
pubsec) generate_pubsec ;;
trust) generate_trust_pki ;;
rfc5280) generate_rfc5280_pki ;;
tsa) generate_tsa_pki ;;
pdf) generate_pdf ;;
*) echo "usage: $0 [all|pki|trust|tsa|rfc5280|pubsec-pki|ed25519|sm2|pubsec|pdf]" >&2; exit 2 ;;
esac
step "done"
