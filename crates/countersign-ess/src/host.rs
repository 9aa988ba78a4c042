//! Which `Host` a request may name. The signature covers the Host header, so a request signed for
//! another deployment (or the real Tencent endpoint) must not be replayable here: the Host has to
//! be one under which this service is reachable — its listening address or a configured public
//! host. A Host without a port matches any port of an allowed name, because the official Node SDK
//! signs the host without the port and proxies often strip it.

use std::net::SocketAddr;

use super::error::{ApiError, ErrorCode};

/// The allowed host names, each with the one port it is reachable on or any port (`None`).
#[derive(Clone, Debug, Default)]
pub struct HostPolicy {
    allowed: Vec<(String, Option<u16>)>,
}

impl HostPolicy {
    /// Allows `host` or `host:port` (any port when none is given).
    pub fn allow_host(&mut self, host: &str) {
        if let Some((name, port)) = split_host(host) {
            self.allowed.push((name, port));
        }
    }

    /// Allows the host of `http(s)://host[:port][/path]`, on the URL's port (80/443 by default).
    pub fn allow_url(&mut self, url: &str) {
        let (default_port, rest) = if let Some(rest) = url.strip_prefix("https://") {
            (443, rest)
        } else if let Some(rest) = url.strip_prefix("http://") {
            (80, rest)
        } else {
            (80, url)
        };
        let authority = rest.split('/').next().unwrap_or_default();
        if let Some((name, port)) = split_host(authority) {
            self.allowed
                .push((name, Some(port.unwrap_or(default_port))));
        }
    }

    /// Allows the listening address. An unspecified address (`0.0.0.0`, `[::]`) names no host
    /// of its own: only the loopback names are allowed for it.
    pub fn allow_listen_addr(&mut self, addr: SocketAddr) {
        let port = Some(addr.port());
        if addr.ip().is_unspecified() {
            for name in ["localhost", "127.0.0.1", "::1"] {
                self.allowed.push((name.to_owned(), port));
            }
        } else {
            self.allowed.push((addr.ip().to_string(), port));
            if addr.ip().is_loopback() {
                self.allowed.push(("localhost".to_owned(), port));
            }
        }
    }

    /// Whether no host was allowed at all (then [`HostPolicy::check`] lets everything through:
    /// the service is used in-process, without a server that knows its address).
    pub fn is_empty(&self) -> bool {
        self.allowed.is_empty()
    }

    /// Refuses a missing Host or one this service is not reachable under.
    pub fn check(&self, host: Option<&str>) -> Result<(), ApiError> {
        if self.is_empty() {
            return Ok(());
        }
        let refuse = |why: String| Err(ApiError::new(ErrorCode::SignatureFailure, why));
        let Some(header) = host else {
            return refuse("missing Host header".into());
        };
        let Some((name, port)) = split_host(header.trim()) else {
            return refuse(format!("malformed Host header {header:?}"));
        };
        let matches = self.allowed.iter().any(|(allowed, allowed_port)| {
            allowed.eq_ignore_ascii_case(&name)
                && (port.is_none() || allowed_port.is_none() || port == *allowed_port)
        });
        if matches {
            Ok(())
        } else {
            refuse(format!(
                "Host {header} is not an address of this service (set public_url or hosts in the configuration)"
            ))
        }
    }
}

/// `name`, `name:port`, `[v6]`, `[v6]:port` → (name without brackets, port).
fn split_host(text: &str) -> Option<(String, Option<u16>)> {
    let (name, port) = if let Some(rest) = text.strip_prefix('[') {
        let (name, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port.parse().ok()?),
            None if after.is_empty() => None,
            None => return None,
        };
        (name, port)
    } else {
        match text.rsplit_once(':') {
            // A bare IPv6 address has several colons and no port.
            Some((name, port)) if !name.contains(':') => (name, Some(port.parse().ok()?)),
            Some(_) => (text, None),
            None => (text, None),
        }
    };
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:".contains(&b));
    valid.then(|| (name.to_ascii_lowercase(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_host_with_or_without_port_and_nothing_else() {
        let mut policy = HostPolicy::default();
        policy.allow_listen_addr("127.0.0.1:8080".parse().unwrap());
        policy.allow_url("https://ess.example.com/base");
        policy.allow_host("internal.example");
        for good in [
            "127.0.0.1:8080",
            "127.0.0.1",
            "localhost:8080",
            "ESS.example.com",
            "ess.example.com:443",
            "internal.example:9999",
        ] {
            assert!(policy.check(Some(good)).is_ok(), "{good}");
        }
        for bad in [
            "127.0.0.1:8081",
            "ess.tencentcloudapi.com",
            "ess.example.com:80",
            "evil.example",
            "127.0.0.1:x",
            "a b",
            "",
        ] {
            assert!(policy.check(Some(bad)).is_err(), "{bad}");
        }
        assert!(policy.check(None).is_err());
        assert!(HostPolicy::default().check(Some("anything")).is_ok());
    }

    #[test]
    fn unspecified_listen_address_allows_loopback_names_only() {
        let mut policy = HostPolicy::default();
        policy.allow_listen_addr("[::]:8080".parse().unwrap());
        assert!(policy.check(Some("[::1]:8080")).is_ok());
        assert!(policy.check(Some("localhost:8080")).is_ok());
        assert!(policy.check(Some("0.0.0.0:8080")).is_err());
        assert!(policy.check(Some("203.0.113.9:8080")).is_err());
    }
}
