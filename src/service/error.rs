//! The API-3.0 error codes this service answers with, and the mapping from engine and store errors.
//!
//! Every error travels to the client as `{"Response":{"Error":{"Code","Message"},"RequestId"}}` with
//! HTTP 200, the way Tencent Cloud API 3.0 does it, so the official SDKs raise
//! `TencentCloudSDKException` with the same code.

use std::fmt;

/// The error codes of the ESS API that this service produces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    MissingParameter,
    InvalidParameter,
    ResourceNotFound,
    OperationDenied,
    NoResourceAccess,
    BalanceNotEnough,
    FailedOperation,
    InternalError,
    InternalErrorApi,
    RequestLimitExceeded,
    SignatureFailure,
    SecretIdNotFound,
    SignatureExpire,
    InvalidAction,
    RequestSizeLimitExceeded,
}

impl ErrorCode {
    /// The code exactly as the ESS API spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::MissingParameter => "MissingParameter",
            Self::InvalidParameter => "InvalidParameter",
            Self::ResourceNotFound => "ResourceNotFound",
            Self::OperationDenied => "OperationDenied",
            Self::NoResourceAccess => "OperationDenied.ErrNoResourceAccess",
            Self::BalanceNotEnough => "FailedOperation.BalanceNotEnough",
            Self::FailedOperation => "FailedOperation",
            Self::InternalError => "InternalError",
            Self::InternalErrorApi => "InternalError.Api",
            Self::RequestLimitExceeded => "RequestLimitExceeded",
            Self::SignatureFailure => "AuthFailure.SignatureFailure",
            Self::SecretIdNotFound => "AuthFailure.SecretIdNotFound",
            Self::SignatureExpire => "AuthFailure.SignatureExpire",
            Self::InvalidAction => "InvalidAction",
            Self::RequestSizeLimitExceeded => "RequestSizeLimitExceeded",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error as the API reports it: a code and a human-readable message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn missing(parameter: &str) -> Self {
        Self::new(
            ErrorCode::MissingParameter,
            format!("missing required parameter {parameter}"),
        )
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidParameter, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InternalError, message)
    }

    pub fn no_access(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NoResourceAccess, message)
    }

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

/// Signing refusals carry the engine's own words; an external signer's failure is `InternalError.Api`
/// because the fault lies with the HSM/KMS, not with the caller's file.
impl From<crate::Error> for ApiError {
    fn from(error: crate::Error) -> Self {
        use crate::Error;
        let code = match &error {
            Error::NotPdf(_) => ErrorCode::InvalidParameter,
            Error::Signer(_) => ErrorCode::InternalErrorApi,
            Error::Io(_) => ErrorCode::InternalError,
            _ => ErrorCode::FailedOperation,
        };
        Self::new(code, error.to_string())
    }
}

/// Failures of the durable store (database or blob directory).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database: {0}")]
    Database(String),
    #[error("file storage: {0}")]
    Io(#[from] std::io::Error),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// The caller's data, streamed into the store, turned out invalid.
    #[error("{0}")]
    Rejected(String),
    #[error("{}: other users can write this folder (mode {mode:o}); make it private (chmod 700) or choose another --data folder", path.display())]
    SharedDirectory { path: std::path::PathBuf, mode: u32 },
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Database(error.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Rejected(message) => Self::invalid(message),
            other => Self::internal(other.to_string()),
        }
    }
}

/// Failures while starting the service (configuration, credentials, store).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("credential for organisation {organization}: {reason}")]
    Credential {
        organization: String,
        reason: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot start the signing workers: {0}")]
    Workers(std::io::Error),
}
