"""Second SM2 oracle: the pure-Python `gmssl` package checks an SM2 signature with the standard
user ID 1234567812345678 over SM3(Z || message) (GB/T 32918.2), independently of RustCrypto and
OpenSSL. Usage: gmssl_sm2_verify.py PUBLIC_POINT_HEX MESSAGE_FILE SIGNATURE_DER_FILE
Prints "valid" or "invalid"; also prints "sm3 HEX" of the message (gmssl's own SM3)."""

import sys

from gmssl import func, sm2, sm3


def main() -> int:
    point, message_path, signature_path = sys.argv[1:4]
    if point.startswith("04") and len(point) == 130:
        point = point[2:]  # gmssl wants x || y without the SEC1 prefix
    message = open(message_path, "rb").read()
    signature = open(signature_path, "rb").read()
    verifier = sm2.CryptSM2(private_key=None, public_key=point, asn1=True)
    # verify_with_sm3 builds Z from the standard ID itself.
    valid = verifier.verify_with_sm3(signature.hex(), message)
    print("sm3", sm3.sm3_hash(func.bytes_to_list(message)))
    print("valid" if valid else "invalid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
