//! Name constraints (RFC 5280 §4.2.1.10, §6.1.3 (b)(c), §6.1.4 (g)): each CA's permitted and
//! excluded subtrees apply to the names of every certificate below it in the path.
//!
//! Names checked: the subject DN (directoryName), the emailAddress attributes in it
//! (rfc822Name, also when there is a subjectAltName, as OpenSSL does) and the subjectAltName
//! entries. Supported forms: directoryName, rfc822Name, dNSName, iPAddress. A constraint on any
//! other form (URI, otherName...), or one with a minimum or maximum, is refused as soon as a
//! certificate below has a name it would apply to ([`Problem::UnsupportedNameConstraint`]):
//! never silently ignored. The common name is not read as a DNS name.
//!
//! Checking every CA's constraints separately is the same as intersecting them (§6.1.4 (g)):
//! a name must pass all of them. Constraints of the trust anchor apply too (RFC 5937), as
//! OpenSSL applies them.

use const_oid::db::rfc2985::PKCS_9_AT_EMAIL_ADDRESS;
use der::asn1::Any;
use der::{Tag, Tagged};
use x509_cert::Certificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::ext::pkix::constraints::name::GeneralSubtree;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{NameConstraints, SubjectAltName};
use x509_cert::name::{Name, RelativeDistinguishedName};

use super::path::{is_self_issued, unreadable};
use crate::problem::Problem;

/// The first name of a certificate of `path` (signer first, anchor last) that the
/// nameConstraints of a CA above it do not allow.
pub(super) fn name_constraint_problem(path: &[&Certificate]) -> Option<Problem> {
    path.iter().enumerate().skip(1).find_map(|(index, ca)| {
        let constraints = match ca.tbs_certificate().get_extension::<NameConstraints>() {
            Ok(Some((_, constraints))) => constraints,
            Ok(None) => return None,
            Err(e) => {
                let subject = ca.tbs_certificate().subject().to_string();
                return Some(unreadable(subject, "nameConstraints", e));
            }
        };
        let below = path.get(..index).unwrap_or_default();
        below
            .iter()
            .enumerate()
            // Self-issued CAs are exempt, the signer never (§6.1.3 (b)).
            .filter(|(position, certificate)| *position == 0 || !is_self_issued(certificate))
            .find_map(|(_, certificate)| check_certificate(&constraints, ca, certificate))
    })
}

/// A name of a certificate, borrowed from it where it can be.
enum CertName<'a> {
    Directory(&'a Name),
    Email(String),
    Dns(&'a str),
    Ip(&'a [u8]),
    /// A form the validator does not match (its label).
    Other(&'static str),
}

impl CertName<'_> {
    fn form(&self) -> &'static str {
        match self {
            CertName::Directory(_) => "directoryName",
            CertName::Email(_) => "rfc822Name",
            CertName::Dns(_) => "dNSName",
            CertName::Ip(_) => "iPAddress",
            CertName::Other(form) => form,
        }
    }

    fn describe(&self) -> String {
        let value = match self {
            CertName::Directory(name) => name.to_string(),
            CertName::Email(email) => email.clone(),
            CertName::Dns(dns) => (*dns).to_owned(),
            CertName::Ip(octets) => describe_ip(octets),
            CertName::Other(_) => String::new(),
        };
        format!("{} {value}", self.form())
    }
}

fn check_certificate(
    constraints: &NameConstraints,
    ca: &Certificate,
    certificate: &Certificate,
) -> Option<Problem> {
    let subject = || certificate.tbs_certificate().subject().to_string();
    let constrained_by = || ca.tbs_certificate().subject().to_string();
    let san = match certificate
        .tbs_certificate()
        .get_extension::<SubjectAltName>()
    {
        Ok(san) => san.map(|(_, san)| san),
        Err(e) => return Some(unreadable(subject(), "subjectAltName", e)),
    };
    let permitted = constraints
        .permitted_subtrees
        .as_deref()
        .unwrap_or_default();
    let excluded = constraints.excluded_subtrees.as_deref().unwrap_or_default();

    names_of(certificate, san.as_ref()).find_map(|name| {
        let form = name.form();
        let of_form = |subtrees: &'_ [GeneralSubtree]| {
            subtrees
                .iter()
                .filter(|subtree| general_name_form(&subtree.base) == form)
                .map(|subtree| matches(subtree, &name))
                .collect::<Result<Vec<bool>, String>>()
        };
        let verdict = of_form(permitted).and_then(|p| of_form(excluded).map(|e| (p, e)));
        let (permitted_matches, excluded_matches) = match verdict {
            Ok(found) => found,
            Err(form) => {
                return Some(Problem::UnsupportedNameConstraint {
                    subject: subject(),
                    constrained_by: constrained_by(),
                    form,
                });
            }
        };
        let outside_permitted =
            !permitted_matches.is_empty() && !permitted_matches.iter().any(|&m| m);
        let inside_excluded = excluded_matches.iter().any(|&m| m);
        (outside_permitted || inside_excluded).then(|| Problem::NameConstraintViolated {
            subject: subject(),
            name: name.describe(),
            constrained_by: constrained_by(),
            excluded: inside_excluded,
        })
    })
}

/// The subject DN (when not empty), its emailAddress attributes, then the subjectAltName's.
fn names_of<'a>(
    certificate: &'a Certificate,
    san: Option<&'a SubjectAltName>,
) -> impl Iterator<Item = CertName<'a>> + 'a {
    let subject = certificate.tbs_certificate().subject();
    let directory = (!subject.is_empty()).then_some(CertName::Directory(subject));
    let emails = subject
        .iter()
        .filter(|attribute| attribute.oid == PKCS_9_AT_EMAIL_ADDRESS)
        // An emailAddress that is not text cannot be matched: any rfc822Name constraint
        // refuses it (as OpenSSL does), rather than letting it past an excluded subtree.
        .map(|attribute| match attribute_text(&attribute.value) {
            Some(email) => CertName::Email(email),
            None => CertName::Other("rfc822Name"),
        });
    let alternative = san.into_iter().flat_map(|san| san.0.iter()).map(cert_name);
    directory.into_iter().chain(emails).chain(alternative)
}

fn cert_name(name: &GeneralName) -> CertName<'_> {
    match name {
        GeneralName::DirectoryName(directory) => CertName::Directory(directory),
        GeneralName::Rfc822Name(email) => CertName::Email(email.as_str().to_owned()),
        GeneralName::DnsName(dns) => CertName::Dns(dns.as_str()),
        GeneralName::IpAddress(octets) => CertName::Ip(octets.as_bytes()),
        other => CertName::Other(general_name_form(other)),
    }
}

fn general_name_form(name: &GeneralName) -> &'static str {
    match name {
        GeneralName::OtherName(_) => "otherName",
        GeneralName::Rfc822Name(_) => "rfc822Name",
        GeneralName::DnsName(_) => "dNSName",
        GeneralName::DirectoryName(_) => "directoryName",
        GeneralName::EdiPartyName(_) => "ediPartyName",
        GeneralName::UniformResourceIdentifier(_) => "uniformResourceIdentifier",
        GeneralName::IpAddress(_) => "iPAddress",
        GeneralName::RegisteredId(_) => "registeredID",
    }
}

/// Whether `name` is inside `subtree` (same form); `Err(what)` when the subtree is one the
/// validator does not implement.
fn matches(subtree: &GeneralSubtree, name: &CertName<'_>) -> Result<bool, String> {
    if subtree.minimum != 0 || subtree.maximum.is_some() {
        // RFC 5280 says minimum MUST be 0 and maximum absent; any other value has no meaning
        // the validator could apply.
        return Err(format!("{} with minimum/maximum", name.form()));
    }
    match (&subtree.base, name) {
        (GeneralName::DirectoryName(base), CertName::Directory(name)) => {
            Ok(directory_within(name, base))
        }
        (GeneralName::Rfc822Name(base), CertName::Email(email)) => {
            Ok(email_within(email, base.as_str()))
        }
        (GeneralName::DnsName(base), CertName::Dns(dns)) => Ok(dns_within(dns, base.as_str())),
        (GeneralName::IpAddress(base), CertName::Ip(octets)) => {
            ip_within(octets, base.as_bytes()).ok_or_else(|| "a malformed iPAddress".to_owned())
        }
        (base, _) => Err(general_name_form(base).to_owned()),
    }
}

/// `name` begins with the RDNs of `base` (§4.2.1.10).
fn directory_within(name: &Name, base: &Name) -> bool {
    base.len() <= name.len()
        && base
            .iter_rdn()
            .zip(name.iter_rdn())
            .all(|(b, n)| rdn_equal(b, n))
}

fn rdn_equal(a: &RelativeDistinguishedName, b: &RelativeDistinguishedName) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| attribute_equal(x, y)))
}

/// Same type and value; text values compared case-insensitively with whitespace folded (a
/// simplified RFC 4518 caseIgnoreMatch), others byte for byte.
fn attribute_equal(a: &AttributeTypeAndValue, b: &AttributeTypeAndValue) -> bool {
    a.oid == b.oid
        && (a.value == b.value
            || matches!(
                (attribute_text(&a.value), attribute_text(&b.value)),
                (Some(x), Some(y)) if fold(&x) == fold(&y)
            ))
}

fn fold(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The text of a string-typed attribute value. TeletexString is read as Latin-1, as OpenSSL
/// canonicalises it: a value spelled in another string type than the constraint's must still
/// fall inside an excluded subtree. (A UniversalString does not decode: such a certificate is
/// refused whole.)
fn attribute_text(value: &Any) -> Option<String> {
    match value.tag() {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString => {
            std::str::from_utf8(value.value()).ok().map(str::to_owned)
        }
        Tag::TeletexString => Some(value.value().iter().map(|&b| char::from(b)).collect()),

        Tag::BmpString => {
            let units: Vec<u16> = value
                .value()
                .chunks(2)
                .map(|pair| match pair {
                    [high, low] => u16::from_be_bytes([*high, *low]),
                    _ => u16::MAX,
                })
                .collect();
            String::from_utf16(&units).ok()
        }
        _ => None,
    }
}

/// §4.2.1.10: `user@host` is one mailbox, `.example.com` any host in that domain, `host` every
/// mailbox at that host. Hosts compare case-insensitively, local parts exactly.
fn email_within(email: &str, base: &str) -> bool {
    let Some((local, host)) = email.rsplit_once('@') else {
        return false;
    };
    if let Some((base_local, base_host)) = base.rsplit_once('@') {
        local == base_local && host.eq_ignore_ascii_case(base_host)
    } else if base.starts_with('.') {
        ends_with_ignore_case(host, base) && host.len() > base.len()
    } else {
        host.eq_ignore_ascii_case(base)
    }
}

/// §4.2.1.10: the name is the base or ends with `.base` (label-wise); an empty base allows any
/// name. A leading dot in the base (not RFC, but written in practice) means subdomains only.
fn dns_within(name: &str, base: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    if base.is_empty() {
        return true;
    }
    if base.starts_with('.') {
        return ends_with_ignore_case(name, base) && name.len() > base.len();
    }
    name.eq_ignore_ascii_case(base)
        || (ends_with_ignore_case(name, base)
            && name
                .len()
                .checked_sub(base.len())
                .and_then(|cut| cut.checked_sub(1))
                .and_then(|dot| name.as_bytes().get(dot))
                == Some(&b'.'))
}

fn ends_with_ignore_case(text: &str, suffix: &str) -> bool {
    text.len() >= suffix.len()
        && text
            .as_bytes()
            .get(text.len().saturating_sub(suffix.len())..)
            .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix.as_bytes()))
}

/// An address inside address/mask (8 octets for IPv4, 32 for IPv6); `None` for a constraint of
/// another length. Addresses of the other family are outside.
fn ip_within(address: &[u8], base: &[u8]) -> Option<bool> {
    if base.len() != 8 && base.len() != 32 {
        return None;
    }
    let (network, mask) = base.split_at(base.len() / 2);
    if address.len() != network.len() {
        return Some(false);
    }
    Some(
        address
            .iter()
            .zip(network)
            .zip(mask)
            .all(|((a, n), m)| a & m == n & m),
    )
}

fn describe_ip(octets: &[u8]) -> String {
    match octets.len() {
        4 => octets
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join("."),
        _ => octets.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names_match_whole_labels() {
        assert!(dns_within("example.com", "example.com"));
        assert!(dns_within("seal.EXAMPLE.com", "example.com"));
        assert!(!dns_within("badexample.com", "example.com"));
        assert!(!dns_within("example.com", ".example.com"));
        assert!(dns_within("a.example.com", ".example.com"));
        assert!(dns_within("anything", ""));
    }

    #[test]
    fn email_constraints_take_three_forms() {
        assert!(email_within("seal@example.com", "seal@example.com"));
        assert!(!email_within("Seal@example.com", "seal@example.com"));
        assert!(email_within("seal@Example.com", "example.com"));
        assert!(!email_within("seal@mail.example.com", "example.com"));
        assert!(email_within("seal@mail.example.com", ".example.com"));
        assert!(!email_within("seal@example.com", ".example.com"));
        assert!(!email_within("no-at-sign", "example.com"));
    }

    #[test]
    fn ip_ranges_use_the_mask() {
        let ten = [10, 0, 0, 0, 255, 0, 0, 0];
        assert_eq!(ip_within(&[10, 1, 2, 3], &ten), Some(true));
        assert_eq!(ip_within(&[11, 1, 2, 3], &ten), Some(false));
        assert_eq!(ip_within(&[0; 16], &ten), Some(false));
        assert_eq!(ip_within(&[10, 1, 2, 3], &[10, 0, 0, 0]), None);
    }

    #[test]
    fn directory_names_match_by_leading_rdns_ignoring_case() {
        let name: Name = "CN=Seal,O=Demo Organisation,C=CN".parse().unwrap();
        let base: Name = "O=demo  organisation,C=CN".parse().unwrap();
        let other: Name = "O=Other,C=CN".parse().unwrap();
        assert!(directory_within(&name, &base));
        assert!(!directory_within(&name, &other));
        assert!(!directory_within(&base, &name));
    }
}
