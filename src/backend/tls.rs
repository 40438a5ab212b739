//! TLS to upstreams (`https://` backend URLs): one rustls client configuration for every
//! client of a backend (the reqwest clients and the passthrough proxy), so all of them trust
//! the same certificates:
//! - Mozilla's root certificates, compiled in (webpki-roots): nothing is read from the
//!   system, so a container image needs no CA package;
//! - and the CA certificates of `[backend] ca_file` (PEM, read at start), for a private CA.
//!
//! TLS 1.2 and 1.3 with the ring provider; HTTP/1.1 is the only protocol offered (ALPN), as
//! over plain HTTP.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use std::sync::Arc;

/// The client configuration for a backend whose extra trusted CAs are in `ca_file` (empty =
/// none). The errors name the key `key` and the file.
pub fn client_config(key: &str, ca_file: &str) -> Result<ClientConfig, String> {
    let mut roots = RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for cert in extra_cas(key, ca_file)? {
        roots
            .add(cert)
            .map_err(|e| format!("{key}: {ca_file}: not a usable CA certificate: {e}"))?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("backend: cannot set up TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// The certificates of the PEM file `path` (at least one); none for an empty path.
fn extra_cas(key: &str, path: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    if path.is_empty() {
        return Ok(Vec::new());
    }
    let pem = std::fs::read(path).map_err(|e| format!("{key}: cannot read {path}: {e}"))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("{key}: {path}: not PEM: {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "{key}: {path} holds no certificate (expected PEM \"BEGIN CERTIFICATE\" blocks)"
        ));
    }
    Ok(certs)
}

/// An error with its causes, `outer: inner: ...`: a refused certificate is named only deep
/// in the chain (`invalid peer certificate: UnknownIssuer`), which the outer error's text
/// leaves out.
pub fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cause = c.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_ca_file_is_the_compiled_in_roots_only() {
        let config = client_config("backend.ca_file", "").expect("config");
        assert_eq!(config.alpn_protocols, [b"http/1.1".to_vec()]);
    }

    #[test]
    fn a_bad_ca_file_names_the_key_and_the_file() {
        let dir = std::env::temp_dir().join(format!("tg-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let missing = dir.join("missing.pem").display().to_string();
        let err = client_config("backend.ca_file", &missing).expect_err("missing file");
        assert!(
            err.starts_with(&format!("backend.ca_file: cannot read {missing}: ")),
            "{err}"
        );
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").expect("write");
        let empty = empty.display().to_string();
        let err = client_config("backend.ca_file", &empty).expect_err("no certificate");
        assert!(
            err.starts_with(&format!("backend.ca_file: {empty} holds no certificate")),
            "{err}"
        );
        let garbage = dir.join("garbage.pem");
        std::fs::write(
            &garbage,
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        )
        .expect("write");
        let garbage = garbage.display().to_string();
        let err = client_config("backend.ca_file", &garbage).expect_err("not a CA");
        assert!(
            err.starts_with(&format!("backend.ca_file: {garbage}: ")),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn the_chain_names_every_cause_once() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("client error (Connect)")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let e = Outer(std::io::Error::other(
            "invalid peer certificate: UnknownIssuer",
        ));
        assert_eq!(
            chain(&e),
            "client error (Connect): invalid peer certificate: UnknownIssuer"
        );
    }
}
