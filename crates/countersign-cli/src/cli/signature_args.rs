//! What a signature says (reason, time, algorithms, page): shared by `sign` and `batch`.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use clap::{Args, ValueEnum};
use countersign::timestamp::{HttpTsa, TsaConfig};
use countersign::{
    CmsContentTypes, DigestAlgorithm, DocMdpPermission, FieldLock, PadesLevel, SignOptions,
    SubFilter,
};

#[derive(Args, Clone, Debug)]
pub struct SignatureArgs {
    #[arg(long)]
    pub reason: Option<String>,
    #[arg(long)]
    pub location: Option<String>,
    #[arg(long)]
    pub contact_info: Option<String>,
    /// Signer name written in the signature dictionary.
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long, value_enum, default_value_t = SubFilterArg::Cades)]
    pub subfilter: SubFilterArg,
    /// Digest of the document and of the signed attributes [default: sha256; sha512 for an
    /// Ed25519 key, the only one RFC 8419 allows with it; an SM2 key always uses SM3].
    #[arg(long, value_enum)]
    pub digest: Option<DigestArg>,
    /// CMS content-type identifiers: pkcs7 (RFC 5652) or gmt0010 (GM/T 0010, which some Chinese
    /// verifiers expect of SM2 signatures).
    #[arg(long, value_enum, default_value_t = CmsOidsArg::Pkcs7)]
    pub cms_oids: CmsOidsArg,
    /// 1-based page that carries the invisible signature widget.
    #[arg(long, default_value_t = 1)]
    pub page: usize,
    /// Fixed signing time (Unix seconds): the output is then byte-identical across runs.
    #[arg(long)]
    pub time: Option<u64>,
    /// RFC 3161 time-stamping authority (http:// or https://): the signature gets a signature
    /// timestamp (PAdES B-T) and, for B-LTA, the document a document timestamp.
    #[arg(long, value_name = "URL")]
    pub tsa: Option<String>,
    /// HTTP basic credentials for the TSA, as USER:PASSWORD.
    #[arg(
        long,
        value_name = "USER:PASSWORD",
        env = "COUNTERSIGN_TSA_AUTH",
        hide_env_values = true
    )]
    pub tsa_auth: Option<String>,
    /// Seconds to wait for the TSA (and OCSP/CRL servers) before giving up; nothing is written.
    #[arg(long, default_value_t = 10)]
    pub tsa_timeout: u64,
    /// PAdES level: b-b (no timestamp), b-t (signature timestamp), b-lt (plus revocation data
    /// in a DSS), b-lta (plus a document timestamp). Default: b-t with --tsa, else b-b.
    #[arg(long, value_name = "b-b|b-t|b-lt|b-lta", value_parser = str::parse::<PadesLevel>)]
    pub level: Option<PadesLevel>,
    /// Refuse a file whose existing signatures are broken or followed by changes the document
    /// does not allow (the new signature would otherwise cover the tampering); costs a full
    /// verification of the input.
    #[arg(long)]
    pub require_intact_signatures: bool,
    #[command(flatten)]
    pub pdf_password: super::pdf_password::PdfPasswordArgs,
}

/// Certification and field locks: for `sign` and `batch`, not `extend` (which makes no
/// signature of its own).
#[derive(Args, Clone, Debug)]
pub struct MdpArgs {
    /// Certify the document (DocMDP) instead of only signing it: p1 permits no change after it,
    /// p2 form filling and signing, p3 also annotations. Only as the document's first signature.
    #[arg(long, value_enum, value_name = "p1|p2|p3")]
    pub certify: Option<CertifyArg>,
    /// Lock form fields once signed (FieldMDP): all, fields:A,B (only those) or except:A,B (all
    /// but those); names are fully qualified (parent.child).
    #[arg(long, value_name = "all|fields:A,B|except:A,B", value_parser = parse_lock)]
    pub lock: Option<FieldLock>,
}

impl MdpArgs {
    /// Sets `certify` and `lock` in `options`.
    pub fn apply(&self, options: &mut SignOptions) {
        options.certify = self.certify.map(DocMdpPermission::from);
        options.lock = self.lock.clone();
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CertifyArg {
    /// No changes permitted.
    P1,
    /// Form filling and signing permitted.
    P2,
    /// Form filling, signing and annotations permitted.
    P3,
}

impl From<CertifyArg> for DocMdpPermission {
    fn from(arg: CertifyArg) -> Self {
        match arg {
            CertifyArg::P1 => DocMdpPermission::NoChanges,
            CertifyArg::P2 => DocMdpPermission::FormFillingAndSigning,
            CertifyArg::P3 => DocMdpPermission::FormFillingSigningAndAnnotations,
        }
    }
}

/// `all`, `fields:A,B` or `except:A,B`.
fn parse_lock(text: &str) -> Result<FieldLock, String> {
    let names = |list: &str| -> Result<Vec<String>, String> {
        let names: Vec<String> = list.split(',').map(str::to_owned).collect();
        if names.iter().any(String::is_empty) {
            return Err(format!("empty field name in {text:?}"));
        }
        Ok(names)
    };
    if text == "all" {
        return Ok(FieldLock::All);
    }
    if let Some(list) = text.strip_prefix("fields:") {
        return Ok(FieldLock::Include(names(list)?));
    }
    if let Some(list) = text.strip_prefix("except:") {
        return Ok(FieldLock::Exclude(names(list)?));
    }
    Err(format!(
        "{text:?} is not all, fields:NAME,... or except:NAME,..."
    ))
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum SubFilterArg {
    /// ETSI.CAdES.detached (PAdES)
    Cades,
    /// adbe.pkcs7.detached
    Pkcs7,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum CmsOidsArg {
    Pkcs7,
    #[value(name = "gmt0010")]
    GmT0010,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DigestArg {
    Sha256,
    Sha384,
    Sha512,
}

impl SignatureArgs {
    /// The level asked for, checked against the TSA flag.
    pub fn level(&self) -> Result<PadesLevel, String> {
        let level = self.level.unwrap_or(if self.tsa.is_some() {
            PadesLevel::BT
        } else {
            PadesLevel::BB
        });
        if level.has_signature_timestamp() && self.tsa.is_none() {
            return Err("--level b-t, b-lt and b-lta need --tsa URL".into());
        }
        Ok(level)
    }

    /// The TSA client the flags describe, if any.
    pub fn tsa(&self) -> Result<Option<Arc<HttpTsa>>, String> {
        let Some(url) = &self.tsa else {
            return Ok(None);
        };
        let basic_auth = match &self.tsa_auth {
            Some(auth) => Some(
                auth.split_once(':')
                    .map(|(user, password)| (user.to_owned(), password.to_owned()))
                    .ok_or("--tsa-auth is USER:PASSWORD")?,
            ),
            None => None,
        };
        Ok(Some(Arc::new(HttpTsa::new({
            let mut tsa_config = TsaConfig::new(url.clone());
            tsa_config.timeout = Duration::from_secs(self.tsa_timeout);
            tsa_config.basic_auth = basic_auth;
            tsa_config
        }))))
    }

    /// Without `--digest`, the digest the signer's key mandates (`required`, from
    /// [`countersign::digest_required_by`]; Ed25519: SHA-512, SM2: SM3) replaces the default
    /// SHA-256; an explicit `--digest` that contradicts it is refused, naming the rule.
    pub fn follow_key(
        &self,
        required: Option<DigestAlgorithm>,
        options: &mut SignOptions,
    ) -> Result<(), String> {
        let Some(required) = required else {
            return Ok(());
        };
        if self.digest.is_some() && options.digest != required {
            let rule = match required {
                DigestAlgorithm::Sm3 => "an SM2 key signs with SM3 only (GB/T 35275)",
                _ => "an Ed25519 key signs with SHA-512 only (RFC 8419)",
            };
            return Err(format!("--digest {:?}: {rule}", options.digest));
        }
        options.digest = required;
        Ok(())
    }

    /// The library options these flags describe (field choice and repair left at their defaults).
    pub fn options(&self) -> Result<SignOptions, String> {
        let page_index = self.page.checked_sub(1).ok_or("--page counts from 1")?;
        Ok({
            let mut sign_options = SignOptions::default();
            sign_options.subfilter = match self.subfilter {
                SubFilterArg::Cades => SubFilter::CadesDetached,
                SubFilterArg::Pkcs7 => SubFilter::Pkcs7Detached,
            };
            sign_options.digest = match self.digest {
                None | Some(DigestArg::Sha256) => DigestAlgorithm::Sha256,
                Some(DigestArg::Sha384) => DigestAlgorithm::Sha384,
                Some(DigestArg::Sha512) => DigestAlgorithm::Sha512,
            };
            sign_options.cms_content_types = match self.cms_oids {
                CmsOidsArg::Pkcs7 => CmsContentTypes::Pkcs7,
                CmsOidsArg::GmT0010 => CmsContentTypes::GmT0010,
            };
            sign_options.signing_time = self
                .time
                .map(|t| SystemTime::UNIX_EPOCH + Duration::from_secs(t));
            sign_options.reason = self.reason.clone();
            sign_options.location = self.location.clone();
            sign_options.contact_info = self.contact_info.clone();
            sign_options.name = self.name.clone();
            sign_options.page_index = page_index;
            sign_options.require_intact_signatures = self.require_intact_signatures;
            sign_options.document_access = self.pdf_password.access()?;
            sign_options.timestamp = if self.level()?.has_signature_timestamp() {
                self.tsa()?
                    .map(|tsa| tsa as Arc<dyn countersign::timestamp::TimeStamper>)
            } else {
                None
            };
            sign_options
        })
    }
}
