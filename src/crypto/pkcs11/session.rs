//! Modules, logged-in sessions and the pool that lends them to signing threads.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, OnceLock, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::session::Session;

use crate::error::{Error, Pkcs11Error, Result};

/// One context per module path for the whole process, never finalized: C_Initialize may run only
/// once per process and module, two keys on one module (the service's organisations, a test's
/// tokens) share its login state, and finalizing under another key would close its sessions.
pub(super) fn module(path: &Path) -> Result<Pkcs11> {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Pkcs11>>> = OnceLock::new();
    let mut modules = MODULES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(context) = modules.get(path) {
        return Ok(context.clone());
    }
    let not_loadable = |source: CkError| Pkcs11Error::ModuleNotLoadable {
        module: path.to_path_buf(),
        source: Box::new(source),
    };
    let context = Pkcs11::new(path).map_err(not_loadable)?;
    match context.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        // Another library of the process initialised it first: its state is ours to share.
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(other) => return Err(not_loadable(other).into()),
    }
    modules.insert(path.to_path_buf(), context.clone());
    Ok(context)
}

/// Turns a cryptoki error into the typed error a caller can act on; `token` names the token.
pub(super) fn ck_error(token: &str, error: CkError) -> Error {
    let token = token.to_owned();
    match error {
        CkError::Pkcs11(rv, function) => match rv {
            RvError::PinIncorrect => Pkcs11Error::PinIncorrect { token },
            RvError::PinLocked | RvError::PinExpired => Pkcs11Error::PinLocked { token },
            RvError::DeviceRemoved
            | RvError::DeviceError
            | RvError::TokenNotPresent
            | RvError::TokenNotRecognized
            | RvError::SessionClosed
            | RvError::SessionHandleInvalid
            | RvError::SlotIdInvalid
            | RvError::CryptokiNotInitialized => Pkcs11Error::TokenGone {
                token,
                function: function_name(function),
                code: rv_name(rv),
            },
            other => Pkcs11Error::Module {
                token,
                function: function_name(function),
                code: rv_name(other),
            },
        },
        other => Pkcs11Error::Module {
            token,
            function: "cryptoki".into(),
            code: other.to_string(),
        },
    }
    .into()
}

/// `C_Sign` rather than cryptoki's `Function::Sign`.
fn function_name(function: cryptoki::context::Function) -> String {
    format!("C_{function:?}")
}

/// `CKR_PIN_INCORRECT` rather than cryptoki's `PinIncorrect`: the name the standard and every
/// module's documentation use.
fn rv_name(rv: RvError) -> String {
    let camel = format!("{rv:?}");
    let mut name = String::from("CKR");
    for c in camel.chars() {
        if c.is_ascii_uppercase() {
            name.push('_');
        }
        name.push(c.to_ascii_uppercase());
    }
    name
}

/// Sessions of one token, lent to one signing thread at a time (a PKCS#11 session must not be
/// used by two threads at once). They are all opened when the key is, so that signing never
/// logs in and a token that runs out of sessions fails at load.
pub(super) struct SessionPool {
    idle: Mutex<Vec<Session>>,
    returned: Condvar,
    size: usize,
}

impl SessionPool {
    pub(super) fn new(sessions: Vec<Session>) -> Self {
        Self {
            size: sessions.len(),
            idle: Mutex::new(sessions),
            returned: Condvar::new(),
        }
    }

    pub(super) fn size(&self) -> usize {
        self.size
    }

    /// Runs `operation` on an idle session, waiting for one when all are lent.
    pub(super) fn with_session<T>(
        &self,
        operation: impl FnOnce(&Session) -> Result<T>,
    ) -> Result<T> {
        let session = {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            loop {
                if let Some(session) = idle.pop() {
                    break session;
                }
                idle = self
                    .returned
                    .wait(idle)
                    .unwrap_or_else(PoisonError::into_inner);
            }
        };
        let result = operation(&session);
        // Returned even after an error: a token that is gone fails every later call with the
        // same typed error, rather than leaving the other threads waiting forever.
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(session);
        self.returned.notify_one();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_values_read_as_the_standard_names_them() {
        assert_eq!(rv_name(RvError::DeviceRemoved), "CKR_DEVICE_REMOVED");
        assert_eq!(rv_name(RvError::PinIncorrect), "CKR_PIN_INCORRECT");
    }

    #[test]
    fn a_removed_token_is_a_typed_error_and_a_wrong_pin_another() {
        let gone = ck_error(
            "hsm",
            CkError::Pkcs11(RvError::DeviceRemoved, cryptoki::context::Function::Sign),
        );
        assert!(
            matches!(&gone, Error::Pkcs11(Pkcs11Error::TokenGone { code, function, .. })
                if code == "CKR_DEVICE_REMOVED" && function == "C_Sign"),
            "{gone:?}"
        );
        let closed = ck_error(
            "hsm",
            CkError::Pkcs11(
                RvError::SessionHandleInvalid,
                cryptoki::context::Function::Sign,
            ),
        );
        assert!(matches!(
            closed,
            Error::Pkcs11(Pkcs11Error::TokenGone { .. })
        ));
        let pin = ck_error(
            "hsm",
            CkError::Pkcs11(RvError::PinIncorrect, cryptoki::context::Function::Login),
        );
        assert!(
            matches!(pin, Error::Pkcs11(Pkcs11Error::PinIncorrect { token }) if token == "hsm")
        );
    }

    #[test]
    fn a_module_that_is_not_a_library_is_a_typed_error() {
        let result = module(Path::new("/nonexistent/libnothing-pkcs11.so"));
        assert!(matches!(
            result,
            Err(Error::Pkcs11(Pkcs11Error::ModuleNotLoadable { .. }))
        ));
    }
}
