//! The API-3.0 error codes this service answers with, and the mapping from engine and store errors.
//!
//! Every error travels to the client as `{"Response":{"Error":{"Code","Message"},"RequestId"}}` with
//! HTTP 200, the way Tencent Cloud API 3.0 does it, so the official SDKs raise
//! `TencentCloudSDKException` with the same code.

use std::fmt;

/// The error codes of the ESS API that this service produces.
///
/// # Examples
///
/// ```
/// use countersign_ess::{ApiError, ErrorCode};
///
/// let error = ApiError::new(ErrorCode::BalanceNotEnough, "organisation demo has no signatures left");
/// assert_eq!(error.code.as_str(), "FailedOperation.BalanceNotEnough");
/// assert_eq!(error.to_string(), "FailedOperation.BalanceNotEnough: organisation demo has no signatures left");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// `MissingParameter`: a required parameter is absent.
    MissingParameter,
    /// `InvalidParameter`: a parameter of the wrong type or form.
    InvalidParameter,
    /// `InvalidParameter.BusinessType`: a BusinessType the action does not take.
    InvalidBusinessType,
    /// `InvalidParameter.FileType`: a file type the action does not take, or contents that are
    /// not of the declared type.
    InvalidFileType,
    /// `InvalidParameterValue`: a parameter of the right type with a value out of range.
    InvalidParameterValue,
    /// `LimitExceeded`: more items than the action takes (files, ids).
    LimitExceeded,
    /// `ResourceNotFound`: an unknown or expired file or task.
    ResourceNotFound,
    /// `ResourceNotFound.User`: the named operator is no employee.
    UserNotFound,
    /// `OperationDenied`.
    OperationDenied,
    /// `OperationDenied.UserNotInOrganization`: the operator is not an active employee of the
    /// organisation whose credential signed the request.
    UserNotInOrganization,
    /// `OperationDenied.OperatorHasNoPermission`: the operator lacks the action's permission.
    OperatorHasNoPermission,
    /// `OperationDenied.ErrNoResourceAccess`: the resource belongs to another organisation.
    NoResourceAccess,
    /// `FailedOperation.BalanceNotEnough`: the organisation's signature quota is used up.
    BalanceNotEnough,
    /// `FailedOperation`: the action failed (a document that cannot be signed, say).
    FailedOperation,
    /// `InternalError`.
    InternalError,
    /// `InternalError.Api`.
    InternalErrorApi,
    /// `RequestLimitExceeded`: the rate limit of the action is reached.
    RequestLimitExceeded,
    /// `ResourceInsufficient`: the server's memory for documents is in use by other requests.
    ResourceInsufficient,
    /// `AuthFailure.SignatureFailure`: the request signature does not verify.
    SignatureFailure,
    /// `AuthFailure.SecretIdNotFound`: an unknown SecretId.
    SecretIdNotFound,
    /// `AuthFailure.SignatureExpire`: the request timestamp is too far from now.
    SignatureExpire,
    /// `AuthFailure.InvalidAuthorization`: an `Authorization` header that is not TC3's format.
    InvalidAuthorization,
    /// `InvalidAction`: an action the service does not offer.
    InvalidAction,
    /// `RequestSizeLimitExceeded`: the body is over the configured limit.
    RequestSizeLimitExceeded,
    /// `NoSuchVersion`: an API version other than 2020-11-11.
    NoSuchVersion,
    /// `UnsupportedOperation`: a request form the API does not take (HTTP method, content type).
    UnsupportedOperation,
}

impl ErrorCode {
    /// The code exactly as the ESS API spells it.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::ErrorCode;
    ///
    /// assert_eq!(ErrorCode::MissingParameter.as_str(), "MissingParameter");
    /// assert_eq!(ErrorCode::SignatureFailure.as_str(), "AuthFailure.SignatureFailure");
    /// assert_eq!(ErrorCode::NoResourceAccess.as_str(), "OperationDenied.ErrNoResourceAccess");
    /// assert_eq!(ErrorCode::InvalidAction.to_string(), "InvalidAction"); // Display is as_str
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingParameter => "MissingParameter",
            Self::InvalidParameter => "InvalidParameter",
            Self::InvalidBusinessType => "InvalidParameter.BusinessType",
            Self::InvalidFileType => "InvalidParameter.FileType",
            Self::InvalidParameterValue => "InvalidParameterValue",
            Self::LimitExceeded => "LimitExceeded",
            Self::ResourceNotFound => "ResourceNotFound",
            Self::UserNotFound => "ResourceNotFound.User",
            Self::OperationDenied => "OperationDenied",
            Self::UserNotInOrganization => "OperationDenied.UserNotInOrganization",
            Self::OperatorHasNoPermission => "OperationDenied.OperatorHasNoPermission",
            Self::NoResourceAccess => "OperationDenied.ErrNoResourceAccess",
            Self::BalanceNotEnough => "FailedOperation.BalanceNotEnough",
            Self::FailedOperation => "FailedOperation",
            Self::InternalError => "InternalError",
            Self::InternalErrorApi => "InternalError.Api",
            Self::RequestLimitExceeded => "RequestLimitExceeded",
            Self::ResourceInsufficient => "ResourceInsufficient",
            Self::SignatureFailure => "AuthFailure.SignatureFailure",
            Self::SecretIdNotFound => "AuthFailure.SecretIdNotFound",
            Self::SignatureExpire => "AuthFailure.SignatureExpire",
            Self::InvalidAuthorization => "AuthFailure.InvalidAuthorization",
            Self::InvalidAction => "InvalidAction",
            Self::RequestSizeLimitExceeded => "RequestSizeLimitExceeded",
            Self::NoSuchVersion => "NoSuchVersion",
            Self::UnsupportedOperation => "UnsupportedOperation",
        }
    }

    /// What the code means, in Chinese, as Tencent Cloud's error code tables word it: the start of
    /// every message answered under `X-TC-Language: zh-CN`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::ErrorCode;
    ///
    /// assert_eq!(ErrorCode::BalanceNotEnough.zh_description(), "余额不足");
    /// assert_eq!(ErrorCode::InvalidAction.zh_description(), "接口不存在");
    /// ```
    pub fn zh_description(self) -> &'static str {
        match self {
            Self::MissingParameter => "缺少参数错误",
            Self::InvalidParameter => "参数错误",
            Self::InvalidBusinessType => "不合法的业务类型，请检查后重试",
            Self::InvalidFileType => "文件类型不合法",
            Self::InvalidParameterValue => "参数取值错误",
            Self::LimitExceeded => "超过配额限制",
            Self::ResourceNotFound => "资源不存在",
            Self::UserNotFound => "用户或者员工信息不存在，请检查参数后重试",
            Self::OperationDenied => "操作被拒绝",
            Self::UserNotInOrganization => "用户不归属于当前企业，无法操作，请检查后重试",
            Self::OperatorHasNoPermission => "操作者权限不足",
            Self::NoResourceAccess => "此企业无该资源使用权限",
            Self::BalanceNotEnough => "余额不足",
            Self::FailedOperation => "操作失败",
            Self::InternalError => "内部错误",
            Self::InternalErrorApi => "第三方接口调用失败",
            Self::RequestLimitExceeded => "请求的次数超过了频率限制",
            Self::ResourceInsufficient => "资源不足",
            Self::SignatureFailure => {
                "签名错误，签名计算错误，请对照调用方式中的签名方法文档检查签名计算过程"
            }
            Self::SecretIdNotFound => "密钥不存在，请检查密钥是否填写正确",
            Self::SignatureExpire => "签名过期，Timestamp 和服务器时间相差不得超过五分钟",
            Self::InvalidAuthorization => "请求头部的 Authorization 不符合腾讯云标准",
            Self::InvalidAction => "接口不存在",
            Self::NoSuchVersion => "接口版本不存在",
            Self::UnsupportedOperation => "操作不支持",
            Self::RequestSizeLimitExceeded => "请求包超过限制大小",
        }
    }
}

/// The language of error messages: `X-TC-Language` (TC3) or `Language` (v1 signatures).
///
/// # Examples
///
/// ```
/// use countersign_ess::{ApiError, Language};
///
/// let error = ApiError::not_found("file f-1 not found or expired");
/// assert_eq!(error.message_in(Language::default()), "file f-1 not found or expired");
/// assert_eq!(error.message_in(Language::Chinese), "资源不存在（file f-1 not found or expired）");
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Language {
    /// English (the default).
    #[default]
    English,
    /// Simplified Chinese (`zh-CN`).
    Chinese,
}

impl Language {
    /// `zh-CN` is Chinese; anything else (`en-US`, absent) English.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::Language;
    ///
    /// assert_eq!(Language::from_tag(Some("zh-CN")), Language::Chinese);
    /// assert_eq!(Language::from_tag(Some(" zh-cn ")), Language::Chinese);
    /// assert_eq!(Language::from_tag(Some("en-US")), Language::English);
    /// assert_eq!(Language::from_tag(None), Language::English);
    /// ```
    pub fn from_tag(tag: Option<&str>) -> Self {
        match tag.map(str::trim) {
            Some(tag) if tag.eq_ignore_ascii_case("zh-CN") => Self::Chinese,
            _ => Self::English,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as the API reports it: a code and a human-readable message.
///
/// # Examples
///
/// Every failure of [`Service::call`](super::Service::call) is one; the server wraps it in the
/// API envelope with [`Service::error_response`](super::Service::error_response).
///
/// ```
/// use countersign_ess::{ApiError, ErrorCode, Language};
///
/// let error = ApiError::missing("FileId");
/// assert_eq!(error.code, ErrorCode::MissingParameter);
/// assert_eq!(error.message, "missing required parameter FileId");
/// assert_eq!(error.message_in(Language::Chinese), "缺少必填参数 FileId");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The error code.
    pub code: ErrorCode,
    /// The message in words.
    pub message: String,
    /// The Chinese message, where it says more than the code's description.
    pub message_zh: Option<String>,
}

impl ApiError {
    /// An error with `code` and `message`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::{ApiError, ErrorCode};
    ///
    /// let error = ApiError::new(ErrorCode::RequestLimitExceeded, "too many UploadFiles calls");
    /// assert_eq!(error.code.as_str(), "RequestLimitExceeded");
    /// assert_eq!(error.message, "too many UploadFiles calls");
    /// assert_eq!(error.message_zh, None);
    /// ```
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            message_zh: None,
        }
    }

    /// Sets the Chinese message.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::{ApiError, ErrorCode, Language};
    ///
    /// let error = ApiError::new(ErrorCode::NoSuchVersion, "version 2019 does not exist")
    ///     .zh("接口版本 2019 不存在");
    /// assert_eq!(error.message_in(Language::Chinese), "接口版本 2019 不存在");
    /// assert_eq!(error.message_in(Language::English), "version 2019 does not exist");
    /// ```
    pub fn zh(mut self, message: impl Into<String>) -> Self {
        self.message_zh = Some(message.into());
        self
    }

    /// The message in `language`. Chinese without a message of its own is the code's description
    /// followed by the English detail, which names the parameter, file or task concerned.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::{ApiError, Language};
    ///
    /// let error = ApiError::invalid("FileId must be a string");
    /// assert_eq!(error.message_in(Language::English), "FileId must be a string");
    /// assert_eq!(error.message_in(Language::Chinese), "参数错误（FileId must be a string）");
    /// ```
    pub fn message_in(&self, language: Language) -> String {
        match (language, &self.message_zh) {
            (Language::English, _) => self.message.clone(),
            (Language::Chinese, Some(zh)) => zh.clone(),
            (Language::Chinese, None) => {
                format!("{}（{}）", self.code.zh_description(), self.message)
            }
        }
    }

    /// `MissingParameter` for `parameter`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::{ApiError, ErrorCode, Language};
    ///
    /// let error = ApiError::missing("Operator.UserId");
    /// assert_eq!(error.code, ErrorCode::MissingParameter);
    /// assert_eq!(error.to_string(), "MissingParameter: missing required parameter Operator.UserId");
    /// assert_eq!(error.message_in(Language::Chinese), "缺少必填参数 Operator.UserId");
    /// ```
    pub fn missing(parameter: &str) -> Self {
        Self::new(
            ErrorCode::MissingParameter,
            format!("missing required parameter {parameter}"),
        )
        .zh(format!("缺少必填参数 {parameter}"))
    }

    /// `InvalidParameterValue`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::{ApiError, ErrorCode};
    ///
    /// let error = ApiError::invalid_value("UrlTtl 0 must be from 1 to 86400");
    /// assert_eq!(error.code, ErrorCode::InvalidParameterValue);
    /// assert_eq!(error.code.as_str(), "InvalidParameterValue");
    /// ```
    pub fn invalid_value(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidParameterValue, message)
    }

    /// `InvalidParameter` with `message`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::{ApiError, ErrorCode};
    ///
    /// let error = ApiError::invalid("request parameters: expected a JSON object");
    /// assert_eq!(error.code, ErrorCode::InvalidParameter);
    /// assert_eq!(error.to_string(), "InvalidParameter: request parameters: expected a JSON object");
    /// ```
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidParameter, message)
    }

    /// `InternalError` with `message`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::{ApiError, ErrorCode, StoreError};
    ///
    /// let error = ApiError::internal("reading the file: disk unplugged");
    /// assert_eq!(error.code.as_str(), "InternalError");
    /// // Store failures other than rejected input become internal errors too.
    /// let store = ApiError::from(StoreError::database("database is locked"));
    /// assert_eq!(store, ApiError::internal("database: database is locked"));
    /// ```
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InternalError, message)
    }

    /// `OperationDenied.ErrNoResourceAccess` with `message`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::{ApiError, ErrorCode};
    ///
    /// let error = ApiError::no_access("file f-1 belongs to another organisation");
    /// assert_eq!(error.code, ErrorCode::NoResourceAccess);
    /// assert_eq!(error.code.as_str(), "OperationDenied.ErrNoResourceAccess");
    /// ```
    pub fn no_access(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NoResourceAccess, message)
    }

    /// `ResourceNotFound` with `message`.
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::{ApiError, ErrorCode};
    ///
    /// let error = ApiError::not_found("the link is invalid or has expired");
    /// assert_eq!(error.code, ErrorCode::ResourceNotFound);
    /// assert_eq!(error.to_string(), "ResourceNotFound: the link is invalid or has expired");
    /// ```
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ResourceNotFound, message)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// Signing refusals carry the engine's own words; an external signer's or service's failure (the
/// HSM/KMS, the TSA, an OCSP responder or CRL server) is `InternalError.Api` because the fault lies
/// there, not with the caller's file.
impl From<countersign::Error> for ApiError {
    fn from(error: countersign::Error) -> Self {
        use countersign::Error;
        let code = match &error {
            Error::NotPdf(_) => ErrorCode::InvalidParameter,
            Error::Signer(_)
            | Error::TsaUnavailable(_)
            | Error::Timestamp(_)
            | Error::Revocation(_) => ErrorCode::InternalErrorApi,
            Error::Io(_) => ErrorCode::InternalError,
            _ => ErrorCode::FailedOperation,
        };
        let report = countersign::error::ErrorReport::new(&error).to_string();
        // The ESS API has no parameter for a document password: say what the caller can do.
        let (message, zh) = match &error {
            Error::PasswordRequired { .. } | Error::WrongPassword { .. } => (
                format!(
                    "{report}; the API takes no document password: upload the file without its open password (permissions-only encryption is fine)"
                ),
                Some(format!(
                    "操作失败（文件已加密，需要打开密码，本接口无法提供密码：{report}）"
                )),
            ),
            Error::PermissionDenied { .. } => (
                report.clone(),
                Some(format!(
                    "操作失败（文件的权限设置不允许填写表单和签署：{report}）"
                )),
            ),
            _ => (report, None),
        };
        let api = Self::new(code, message);
        match zh {
            Some(zh) => api.zh(zh),
            None => api,
        }
    }
}

/// Failures of the durable store (database or blob directory).
///
/// # Examples
///
/// ```
/// use countersign_ess::{ApiError, ErrorCode, StoreError};
///
/// let corrupt = StoreError::Corrupt("task t-1 has status DONE".into());
/// assert_eq!(corrupt.to_string(), "stored data is inconsistent: task t-1 has status DONE");
/// // The client is told what was wrong with its own data, and nothing about the store's faults.
/// assert_eq!(ApiError::from(StoreError::Rejected("FileBody is not base64".into())).code, ErrorCode::InvalidParameterValue);
/// assert_eq!(ApiError::from(corrupt).code, ErrorCode::InternalError);
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database failed; the driver's error is the [`source`](std::error::Error::source).
    #[error("database: {source}")]
    Database {
        /// The database driver's error (SQLite, PostgreSQL, or a custom store's).
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Reading or writing file bytes failed.
    #[error("file storage: {0}")]
    Io(#[from] std::io::Error),
    /// Stored data does not read back as written.
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// The caller's data, streamed into the store, turned out invalid.
    #[error("{0}")]
    Rejected(String),
    /// A folder or file of the store (the data folder, or one under it) is writable by other
    /// users, who could have swapped what it holds: refused rather than trusted.
    #[error("{}: other users can write this (mode {mode:o}); make it private (chmod 700 for a folder, 600 for a file) or choose another --data folder", path.display())]
    SharedDirectory {
        /// The folder or file.
        path: std::path::PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A folder or file of the store that other users can read could not be made owner-only
    /// (it belongs to another user, say).
    #[error("{}: other users can read this (mode {mode:o}) and it cannot be made private: {source}", path.display())]
    NotPrivate {
        /// The folder or file.
        path: std::path::PathBuf,
        /// Its permission bits.
        mode: u32,
        /// Why changing its mode failed.
        source: std::io::Error,
    },
}

impl StoreError {
    /// A database failure caused by `error`, for stores of one's own (the built-in ones wrap
    /// their driver's errors this way, so no driver type is part of this crate's API).
    ///
    /// # Examples
    ///
    /// ```
    /// use countersign_ess::StoreError;
    /// use std::error::Error as _;
    ///
    /// let cause = std::io::Error::new(std::io::ErrorKind::TimedOut, "replica did not answer");
    /// let error = StoreError::database(cause);
    /// assert_eq!(error.to_string(), "database: replica did not answer");
    /// assert!(error.source().is_some_and(|source| source.is::<std::io::Error>()));
    /// ```
    pub fn database(error: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Database {
            source: error.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Rejected(message) => Self::invalid_value(message),
            other => Self::internal(other.to_string()),
        }
    }
}

/// Failures while starting the service (configuration, credentials, store).
///
/// # Examples
///
/// ```
/// use std::path::Path;
/// use countersign_ess::{ServiceConfig, ServiceError};
///
/// let error = ServiceConfig::from_toml("rate_limit = 0", Path::new(".")).unwrap_err();
/// assert!(matches!(error, ServiceError::Config(_)));
/// assert_eq!(error.to_string(), "configuration: rate limits must be at least 1 request per second");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// The configuration is inconsistent: a setting is missing, out of range or contradicts
    /// another; the message names the organisation and the key.
    #[error("configuration: {0}")]
    Config(String),
    /// The configuration is not valid TOML, or a key has the wrong type or an unknown value.
    #[error("configuration: {source}")]
    ConfigSyntax {
        /// The TOML parser's error (with line and column).
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A file the configuration names (the configuration itself, `trust_roots`) cannot be
    /// read or used.
    #[error("configuration: {}: {source}", path.display())]
    ConfigFile {
        /// The file.
        path: std::path::PathBuf,
        /// Why it cannot be used (an I/O error, or the crate's error for unusable contents).
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// An organisation's credential cannot be loaded.
    #[error("credential for organisation {organization}: {source}")]
    Credential {
        /// The organisation id.
        organization: String,
        /// Why it could not be loaded.
        source: countersign::Error,
    },
    /// An organisation in the configuration has no signing credential.
    #[error("credential for organisation {organization}: no signing credential was provided")]
    MissingCredential {
        /// The organisation id.
        organization: String,
    },
    /// The system's random number generator failed.
    #[error("no randomness: {source}")]
    Randomness {
        /// The generator's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The store cannot be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The worker threads (signing, and the sweep of expired files) cannot be started.
    #[error("cannot start the service's threads: {0}")]
    Workers(std::io::Error),
}
