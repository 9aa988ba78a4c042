//! Keys in an HSM, a smart card or a cloud HSM's PKCS#11 library (feature `pkcs11`): the
//! private key never leaves the token; the engine hands it the digest (or the signed
//! attributes) through a pool of logged-in sessions, one signing thread per session.
//!
//! [`Pkcs11Config`] says where the key is (module, token, key, PIN); [`load_certified_key`]
//! opens it, reads the certificate chain from the token (or takes the one given) and checks that
//! the key is the certificate's. RSA (PKCS#1 v1.5 or PSS, 2048 to 4096 bits) and ECDSA on
//! P-256 and P-384 are supported. Every failure is a [`Pkcs11Error`]: a module that does not
//! load, a token or key that is not there (naming those that are), a wrong or locked PIN, a
//! mechanism the token lacks, a token removed while signing.
//!
//! ```no_run
//! use countersign::crypto::pkcs11::{load_certified_key, KeySelector, PinSource, Pkcs11Config, TokenSelector};
//! use countersign::{sign_pdf, SignOptions};
//!
//! let config = Pkcs11Config::new(
//!     "/usr/lib/softhsm/libsofthsm2.so",
//!     TokenSelector::Label("signing".into()),
//!     KeySelector::Label("organisation".into()),
//!     PinSource::File("/run/secrets/hsm-pin".into()),
//! );
//! let key = load_certified_key(&config, None)?; // the chain from the token
//! let signed = sign_pdf(&std::fs::read("in.pdf")?, &key, &SignOptions::default())?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod session;
mod sign;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use cryptoki::context::Pkcs11;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::RawAuthPin;
use der::Decode;
use der::asn1::ObjectIdentifier;
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::Certificate;
use zeroize::Zeroizing;

use self::session::{SessionPool, ck_error};
use self::sign::{KeyKind, Plan, TokenSigner, mechanism_unsupported};
use super::algorithm::{ID_EC_PUBLIC_KEY, RSA_ENCRYPTION, SECP256R1, SECP384R1};
use super::{CertifiedKey, DigestAlgorithm, EcCurve, RsaPadding, Signer, SigningKey};
use crate::error::{Error, Pkcs11Error, Result};

/// Which token of the module holds the key.
///
/// # Examples
///
/// ```
/// use countersign::crypto::pkcs11::TokenSelector;
///
/// assert_eq!(TokenSelector::Label("signing".into()).to_string(), "label signing");
/// assert_eq!(TokenSelector::Serial("0123abcd".into()).to_string(), "serial 0123abcd");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenSelector {
    /// The token label (CKA_LABEL of the token, set when it was initialised).
    Label(String),
    /// The token's serial number.
    Serial(String),
}

impl fmt::Display for TokenSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Label(label) => write!(f, "label {label}"),
            Self::Serial(serial) => write!(f, "serial {serial}"),
        }
    }
}

/// Which private key of the token signs.
///
/// # Examples
///
/// ```
/// use countersign::crypto::pkcs11::KeySelector;
///
/// assert_eq!(KeySelector::Label("organisation".into()).to_string(), "label organisation");
/// assert_eq!(KeySelector::id_hex("01aB")?, KeySelector::Id(vec![0x01, 0xab]));
/// assert!(KeySelector::id_hex("0g").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeySelector {
    /// The key's CKA_LABEL.
    Label(String),
    /// The key's CKA_ID (the bytes; [`KeySelector::id_hex`] reads the usual hex form).
    Id(Vec<u8>),
}

impl KeySelector {
    /// A selector by CKA_ID written in hex (`01`, `a1b2c3`), as `pkcs11-tool` and `p11tool`
    /// print it.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::pkcs11::KeySelector;
    ///
    /// assert_eq!(KeySelector::id_hex("0102")?.to_string(), "id 0102");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn id_hex(hex: &str) -> Result<Self> {
        let invalid = || Error::invalid_option("key id", format!("{hex:?} is not hex bytes"));
        if hex.is_empty() || !hex.len().is_multiple_of(2) {
            return Err(invalid());
        }
        let id = hex
            .as_bytes()
            .chunks(2)
            .map(|pair| {
                let pair = std::str::from_utf8(pair).map_err(|_| invalid())?;
                u8::from_str_radix(pair, 16).map_err(|_| invalid())
            })
            .collect::<Result<Vec<u8>>>()?;
        Ok(Self::Id(id))
    }
}

impl fmt::Display for KeySelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Label(label) => write!(f, "label {label}"),
            Self::Id(id) => write!(f, "id {}", hex(id)),
        }
    }
}

/// Where the user PIN is read from when the key is opened. The PIN itself never sits in a
/// configuration value: it is read, handed to C_Login and wiped.
///
/// # Examples
///
/// ```
/// use countersign::crypto::pkcs11::PinSource;
///
/// let from_file = PinSource::File("/run/secrets/hsm-pin".into());
/// assert_eq!(from_file.to_string(), "file /run/secrets/hsm-pin");
/// assert_eq!(PinSource::Env("HSM_PIN".into()).to_string(), "environment variable HSM_PIN");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PinSource {
    /// A file holding the PIN; one trailing newline is ignored.
    File(PathBuf),
    /// An environment variable holding the PIN.
    Env(String),
}

impl fmt::Display for PinSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(path) => write!(f, "file {}", path.display()),
            Self::Env(name) => write!(f, "environment variable {name}"),
        }
    }
}

impl PinSource {
    /// The PIN, in memory that is wiped when dropped.
    fn read(&self) -> Result<Zeroizing<Vec<u8>>> {
        let unavailable = |reason: String| Pkcs11Error::PinUnavailable {
            from: self.to_string(),
            reason,
        };
        let mut pin = Zeroizing::new(match self {
            Self::File(path) => std::fs::read(path).map_err(|e| unavailable(e.to_string()))?,
            Self::Env(name) => std::env::var_os(name)
                .ok_or_else(|| unavailable("not set".into()))?
                .into_encoded_bytes(),
        });
        for line_end in [b'\n', b'\r'] {
            if pin.last() == Some(&line_end) {
                pin.pop();
            }
        }
        if pin.is_empty() {
            return Err(unavailable("empty".into()).into());
        }
        Ok(pin)
    }
}

/// Where a key lives and how to open it.
///
/// # Examples
///
/// ```
/// use countersign::crypto::pkcs11::{KeySelector, PinSource, Pkcs11Config, TokenSelector};
/// use countersign::crypto::RsaPadding;
///
/// let mut config = Pkcs11Config::new(
///     "/usr/lib/softhsm/libsofthsm2.so",
///     TokenSelector::Serial("0123abcd".into()),
///     KeySelector::id_hex("01")?,
///     PinSource::Env("HSM_PIN".into()),
/// );
/// config.sessions = 2; // two documents signed at once
/// config.rsa_padding = RsaPadding::Pss;
/// assert!(config.sessions >= 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pkcs11Config {
    /// The PKCS#11 module (shared library), e.g. `/usr/lib/softhsm/libsofthsm2.so`.
    pub module: PathBuf,
    /// The token.
    pub token: TokenSelector,
    /// The private key.
    pub key: KeySelector,
    /// Where the user PIN comes from.
    pub pin: PinSource,
    /// Sessions opened on the token: how many signatures run at once. Default: the number of
    /// cores (at least 1).
    pub sessions: usize,
    /// The RSA signature scheme (ignored for EC keys). Default PKCS#1 v1.5.
    pub rsa_padding: RsaPadding,
}

impl Pkcs11Config {
    /// A configuration with one session per core and PKCS#1 v1.5 for RSA.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::pkcs11::{KeySelector, PinSource, Pkcs11Config, TokenSelector};
    ///
    /// let config = Pkcs11Config::new(
    ///     "/usr/lib/softhsm/libsofthsm2.so",
    ///     TokenSelector::Label("signing".into()),
    ///     KeySelector::Label("organisation".into()),
    ///     PinSource::File("pin.txt".into()),
    /// );
    /// assert_eq!(config.key, KeySelector::Label("organisation".into()));
    /// ```
    pub fn new(
        module: impl Into<PathBuf>,
        token: TokenSelector,
        key: KeySelector,
        pin: PinSource,
    ) -> Self {
        Self {
            module: module.into(),
            token,
            key,
            pin,
            sessions: std::thread::available_parallelism().map_or(1, |n| n.get()),
            rsa_padding: RsaPadding::default(),
        }
    }
}

/// A private key on a PKCS#11 token, with its pool of logged-in sessions. Cloning is cheap
/// (the pool is shared); the sessions close when the last clone is dropped.
///
/// # Examples
///
/// ```no_run
/// use std::sync::Arc;
/// use countersign::crypto::pkcs11::{KeySelector, PinSource, Pkcs11Config, Pkcs11Key, TokenSelector};
/// use countersign::crypto::credential::parse_certificates;
/// use countersign::CertifiedKey;
///
/// let config = Pkcs11Config::new(
///     "/usr/lib/softhsm/libsofthsm2.so",
///     TokenSelector::Label("signing".into()),
///     KeySelector::Label("organisation".into()),
///     PinSource::Env("HSM_PIN".into()),
/// );
/// let key = Pkcs11Key::open(&config)?;
/// let chain = parse_certificates(&std::fs::read("chain.pem")?)?; // or key.certificate_chain()?
/// let certified = CertifiedKey::new(chain, Arc::new(key))?; // refuses another key's chain
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Pkcs11Key {
    pool: Arc<SessionPool>,
    handle: ObjectHandle,
    /// The token's label, for errors.
    token: String,
    /// The key's label and id, for errors.
    name: String,
    id: Vec<u8>,
    kind: KeyKind,
    padding: RsaPadding,
    public_key: SubjectPublicKeyInfoOwned,
    mechanisms: Vec<cryptoki::mechanism::MechanismType>,
}

impl fmt::Debug for Pkcs11Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Key")
            .field("token", &self.token)
            .field("key", &self.name)
            .field("kind", &self.kind)
            .field("padding", &self.padding)
            .field("sessions", &self.pool.size())
            .finish_non_exhaustive()
    }
}

impl Pkcs11Key {
    /// Loads the module, finds the token and logs in, finds the key, reads its public half and
    /// opens [`Pkcs11Config::sessions`] sessions. Fails with a [`Pkcs11Error`] naming what is
    /// wrong; a key whose mechanisms the token lacks for SHA-256 is refused here, not at the
    /// first signature.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign::crypto::pkcs11::{KeySelector, PinSource, Pkcs11Config, Pkcs11Key, TokenSelector};
    /// use countersign::error::{Error, Pkcs11Error};
    ///
    /// let config = Pkcs11Config::new(
    ///     "/nonexistent/module.so",
    ///     TokenSelector::Label("signing".into()),
    ///     KeySelector::Label("organisation".into()),
    ///     PinSource::Env("HSM_PIN".into()),
    /// );
    /// let error = Pkcs11Key::open(&config).unwrap_err();
    /// assert!(matches!(error, Error::Pkcs11(Pkcs11Error::ModuleNotLoadable { .. })));
    /// ```
    pub fn open(config: &Pkcs11Config) -> Result<Self> {
        let module = session::module(&config.module)?;
        let (slot, token) = find_token(&module, &config.token)?;
        let sessions = open_sessions(&module, slot, &token, config.sessions.max(1))?;
        let first = sessions.first().ok_or_else(|| Pkcs11Error::Module {
            token: token.clone(),
            function: "C_OpenSession".into(),
            code: "no session".into(),
        })?;
        log_in(first, &token, &config.pin)?;
        let (handle, id, name) = find_key(first, &token, &config.key)?;
        let (kind, public_key) = read_public_key(first, &token, handle, &id)?;
        let mechanisms = module
            .get_mechanism_list(slot)
            .map_err(|e| ck_error(&token, e))?;
        if Plan::choose(
            kind,
            config.rsa_padding,
            DigestAlgorithm::Sha256,
            &mechanisms,
        )
        .is_none()
        {
            return Err(mechanism_unsupported(
                &token,
                kind,
                config.rsa_padding,
                DigestAlgorithm::Sha256,
            ));
        }
        Ok(Self {
            pool: Arc::new(SessionPool::new(sessions)),
            handle,
            token,
            name,
            id,
            kind,
            padding: config.rsa_padding,
            public_key,
            mechanisms,
        })
    }

    /// The certificate chain stored on the token: the certificate with the key's CKA_ID
    /// (the one carrying the key's public half if several do), then its issuers among the
    /// token's other certificates. [`Pkcs11Error::NoCertificate`] when none has the key's id.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # let config: countersign::crypto::pkcs11::Pkcs11Config = unimplemented!();
    /// use countersign::crypto::pkcs11::Pkcs11Key;
    ///
    /// let key = Pkcs11Key::open(&config)?;
    /// let chain = key.certificate_chain()?;
    /// println!("signing as {}", chain[0].tbs_certificate().subject());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn certificate_chain(&self) -> Result<Vec<Certificate>> {
        let certificates = self.pool.with_session(|session| {
            let template = [Attribute::Class(ObjectClass::CERTIFICATE)];
            let handles = session
                .find_objects(&template)
                .map_err(|e| ck_error(&self.token, e))?;
            let mut certificates = Vec::with_capacity(handles.len());
            for handle in handles {
                let attributes = session
                    .get_attributes(handle, &[AttributeType::Id, AttributeType::Value])
                    .map_err(|e| ck_error(&self.token, e))?;
                let id = attributes.iter().find_map(|a| match a {
                    Attribute::Id(id) => Some(id.clone()),
                    _ => None,
                });
                let value = attributes.iter().find_map(|a| match a {
                    Attribute::Value(value) => Some(value.as_slice()),
                    _ => None,
                });
                if let Some(value) = value {
                    let certificate =
                        Certificate::from_der(value).map_err(Error::invalid("certificate"))?;
                    certificates.push((id.unwrap_or_default(), certificate));
                }
            }
            Ok(certificates)
        })?;
        let ours = |certificate: &Certificate| {
            super::credential::public_keys_match(
                certificate.tbs_certificate().subject_public_key_info(),
                &self.public_key,
            )
        };
        let with_id = || certificates.iter().filter(|(id, _)| *id == self.id);
        let signer = with_id()
            .find(|(_, c)| ours(c))
            .or_else(|| with_id().next())
            .map(|(_, c)| c.clone())
            .ok_or_else(|| Pkcs11Error::NoCertificate {
                token: self.token.clone(),
                key: self.name.clone(),
            })?;
        let all: Vec<Certificate> = certificates.into_iter().map(|(_, c)| c).collect();
        Ok(super::credential::order_chain(signer, &all))
    }

    /// How many sessions the pool holds: the number of signatures that run at once.
    ///
    /// # Examples
    ///
    /// ```no_run
    /// # let config: countersign::crypto::pkcs11::Pkcs11Config = unimplemented!();
    /// use countersign::crypto::pkcs11::Pkcs11Key;
    ///
    /// assert_eq!(Pkcs11Key::open(&config)?.sessions(), config.sessions);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sessions(&self) -> usize {
        self.pool.size()
    }
}

impl SigningKey for Pkcs11Key {
    fn choose_scheme(&self, digest: DigestAlgorithm) -> Option<Box<dyn Signer>> {
        let plan = Plan::choose(self.kind, self.padding, digest, &self.mechanisms)?;
        Some(Box::new(TokenSigner {
            pool: Arc::clone(&self.pool),
            key: self.handle,
            token: self.token.clone(),
            kind: self.kind,
            padding: self.padding,
            digest,
            plan,
        }))
    }

    fn public_key(&self) -> Result<SubjectPublicKeyInfoOwned> {
        Ok(self.public_key.clone())
    }
}

/// Opens the key of `config` and pairs it with `chain`, or with the chain stored on the token
/// when `chain` is `None`. [`Error::KeyMismatch`] when the key is not the certificate's.
///
/// # Examples
///
/// ```no_run
/// use countersign::crypto::credential::parse_certificates;
/// use countersign::crypto::pkcs11::{load_certified_key, KeySelector, PinSource, Pkcs11Config, TokenSelector};
///
/// let config = Pkcs11Config::new(
///     "/usr/lib/softhsm/libsofthsm2.so",
///     TokenSelector::Label("signing".into()),
///     KeySelector::id_hex("01")?,
///     PinSource::File("pin.txt".into()),
/// );
/// let from_token = load_certified_key(&config, None)?;
/// let from_files = load_certified_key(&config, Some(parse_certificates(&std::fs::read("chain.pem")?)?))?;
/// assert_eq!(from_token.end_entity(), from_files.end_entity());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn load_certified_key(
    config: &Pkcs11Config,
    chain: Option<Vec<Certificate>>,
) -> Result<CertifiedKey> {
    let key = Pkcs11Key::open(config)?;
    let chain = match chain {
        Some(chain) => chain,
        None => key.certificate_chain()?,
    };
    CertifiedKey::new(chain, Arc::new(key))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn find_token(module: &Pkcs11, wanted: &TokenSelector) -> Result<(Slot, String)> {
    let slots = module.get_slots_with_token().map_err(|e| ck_error("", e))?;
    let mut available = Vec::new();
    for slot in slots {
        // A slot whose token vanished between the two calls is simply not listed.
        let Ok(info) = module.get_token_info(slot) else {
            continue;
        };
        let label = info.label().trim_end().to_owned();
        let serial = info.serial_number().trim_end().to_owned();
        let matches = match wanted {
            TokenSelector::Label(want) => *want == label,
            TokenSelector::Serial(want) => *want == serial,
        };
        if !info.token_initialized() {
            continue; // a free slot (SoftHSM always shows one): nothing to select
        }
        if matches {
            return Ok((slot, label));
        }
        available.push(format!("label {label} (serial {serial})"));
    }
    Err(Pkcs11Error::TokenNotFound {
        wanted: wanted.to_string(),
        available,
    }
    .into())
}

fn open_sessions(module: &Pkcs11, slot: Slot, token: &str, count: usize) -> Result<Vec<Session>> {
    (0..count)
        .map(|_| module.open_ro_session(slot).map_err(|e| ck_error(token, e)))
        .collect()
}

/// C_Login on one session logs in all of the application's sessions on the token.
fn log_in(session: &Session, token: &str, pin: &PinSource) -> Result<()> {
    let pin = pin.read()?;
    let pin = RawAuthPin::new(Box::new(pin.to_vec()));
    match session.login_with_raw(UserType::User, &pin) {
        // Another key of this process on the same token logged in first.
        Ok(())
        | Err(cryptoki::error::Error::Pkcs11(cryptoki::error::RvError::UserAlreadyLoggedIn, _)) => {
            Ok(())
        }
        Err(e) => Err(ck_error(token, e)),
    }
}

fn label_and_id(attributes: &[Attribute]) -> (String, Vec<u8>) {
    let mut label = String::new();
    let mut id = Vec::new();
    for attribute in attributes {
        match attribute {
            Attribute::Label(bytes) => label = String::from_utf8_lossy(bytes).into_owned(),
            Attribute::Id(bytes) => id.clone_from(bytes),
            _ => {}
        }
    }
    (label, id)
}

/// The key's handle, CKA_ID and a name for errors (`label L, id HEX`).
fn find_key(
    session: &Session,
    token: &str,
    wanted: &KeySelector,
) -> Result<(ObjectHandle, Vec<u8>, String)> {
    let class = Attribute::Class(ObjectClass::PRIVATE_KEY);
    let template = match wanted {
        KeySelector::Label(label) => vec![class, Attribute::Label(label.as_bytes().to_vec())],
        KeySelector::Id(id) => vec![class, Attribute::Id(id.clone())],
    };
    let found = session
        .find_objects(&template)
        .map_err(|e| ck_error(token, e))?;
    let describe = |handle: ObjectHandle| -> Result<(Vec<u8>, String)> {
        let attributes = session
            .get_attributes(handle, &[AttributeType::Label, AttributeType::Id])
            .map_err(|e| ck_error(token, e))?;
        let (label, id) = label_and_id(&attributes);
        Ok((id.clone(), format!("label {label} (id {})", hex(&id))))
    };
    if let [handle] = found.as_slice() {
        let (id, name) = describe(*handle)?;
        return Ok((*handle, id, name));
    }
    let all = session
        .find_objects(&[Attribute::Class(ObjectClass::PRIVATE_KEY)])
        .map_err(|e| ck_error(token, e))?;
    let available = all
        .into_iter()
        .map(|handle| describe(handle).map(|(_, name)| name))
        .collect::<Result<Vec<_>>>()?;
    Err(Pkcs11Error::KeyNotFound {
        wanted: wanted.to_string(),
        matching: found.len(),
        token: token.to_owned(),
        available,
    }
    .into())
}

/// The key's type and public half: RSA from the private key's modulus and exponent, EC from
/// the public-key object with the same CKA_ID (EC private keys do not carry their point).
fn read_public_key(
    session: &Session,
    token: &str,
    key: ObjectHandle,
    id: &[u8],
) -> Result<(KeyKind, SubjectPublicKeyInfoOwned)> {
    let unsupported = |reason: String| -> Error {
        Pkcs11Error::UnsupportedKey {
            token: token.to_owned(),
            reason,
        }
        .into()
    };
    let attributes = session
        .get_attributes(
            key,
            &[
                AttributeType::KeyType,
                AttributeType::Modulus,
                AttributeType::PublicExponent,
                AttributeType::EcParams,
            ],
        )
        .map_err(|e| ck_error(token, e))?;
    let mut key_type = None;
    let (mut modulus, mut exponent, mut ec_params) = (None, None, None);
    for attribute in attributes {
        match attribute {
            Attribute::KeyType(t) => key_type = Some(t),
            Attribute::Modulus(m) => modulus = Some(m),
            Attribute::PublicExponent(e) => exponent = Some(e),
            Attribute::EcParams(p) => ec_params = Some(p),
            _ => {}
        }
    }
    match key_type {
        Some(KeyType::RSA) => {
            let (Some(modulus), Some(exponent)) = (modulus, exponent) else {
                return Err(unsupported(
                    "RSA key without CKA_MODULUS and CKA_PUBLIC_EXPONENT".into(),
                ));
            };
            let spki = rsa_spki(&modulus, &exponent).map_err(|e| unsupported(e.to_string()))?;
            let modulus_len = modulus.iter().skip_while(|b| **b == 0).count();
            super::algorithm::check_rsa_signing_bits(modulus_len.saturating_mul(8))?;
            Ok((KeyKind::Rsa { modulus_len }, spki))
        }
        Some(KeyType::EC) => {
            let params =
                ec_params.ok_or_else(|| unsupported("EC key without CKA_EC_PARAMS".into()))?;
            let curve = match ObjectIdentifier::from_der(&params) {
                Ok(SECP256R1) => EcCurve::P256,
                Ok(SECP384R1) => EcCurve::P384,
                Ok(oid) => return Err(unsupported(format!("elliptic curve {oid}"))),
                Err(_) => return Err(unsupported("EC parameters are not a named curve".into())),
            };
            let point = ec_point(session, token, id)?.ok_or_else(|| {
                unsupported("no public-key object with the EC key's CKA_ID".into())
            })?;
            Ok((
                KeyKind::Ec(curve),
                ec_spki(curve, &point).map_err(|e| unsupported(e.to_string()))?,
            ))
        }
        Some(other) => Err(unsupported(format!("key type {other}"))),
        None => Err(unsupported("no CKA_KEY_TYPE".into())),
    }
}

/// CKA_EC_POINT of the public-key object with CKA_ID `id`, unwrapped from the DER OCTET STRING
/// the standard asks for (some modules return the bare point).
fn ec_point(session: &Session, token: &str, id: &[u8]) -> Result<Option<Vec<u8>>> {
    let template = [
        Attribute::Class(ObjectClass::PUBLIC_KEY),
        Attribute::Id(id.to_vec()),
    ];
    let found = session
        .find_objects(&template)
        .map_err(|e| ck_error(token, e))?;
    let Some(handle) = found.first() else {
        return Ok(None);
    };
    let attributes = session
        .get_attributes(*handle, &[AttributeType::EcPoint])
        .map_err(|e| ck_error(token, e))?;
    Ok(attributes.into_iter().find_map(|a| match a {
        Attribute::EcPoint(point) => Some(
            der::asn1::OctetString::from_der(&point)
                .map(|octets| octets.as_bytes().to_vec())
                .unwrap_or(point),
        ),
        _ => None,
    }))
}

fn rsa_spki(modulus: &[u8], exponent: &[u8]) -> der::Result<SubjectPublicKeyInfoOwned> {
    use der::Encode;
    let public = pkcs1::RsaPublicKey {
        modulus: der::asn1::UintRef::new(modulus)?,
        public_exponent: der::asn1::UintRef::new(exponent)?,
    };
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: spki::AlgorithmIdentifierOwned {
            oid: RSA_ENCRYPTION,
            parameters: Some(der::asn1::Null.into()),
        },
        subject_public_key: der::asn1::BitString::from_bytes(&public.to_der()?)?,
    })
}

fn ec_spki(curve: EcCurve, point: &[u8]) -> der::Result<SubjectPublicKeyInfoOwned> {
    let named = match curve {
        EcCurve::P256 => SECP256R1,
        EcCurve::P384 => SECP384R1,
    };
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: spki::AlgorithmIdentifierOwned {
            oid: ID_EC_PUBLIC_KEY,
            parameters: Some(der::Any::from(named)),
        },
        subject_public_key: der::asn1::BitString::from_bytes(point)?,
    })
}
