//! HTTPS: a client that trusts the CA the simulator wrote completes requests; one that does not, cannot.

mod common;

use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::Arc;

use common::*;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};
use twilio_accounts_sim::{SimConfig, Simulator, TlsConfig};

type TlsConn = Conn<StreamOwned<ClientConnection, TcpStream>>;

fn temp_path(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    std::env::temp_dir().join(format!(
        "twilio-accounts-sim-{}-{nanos}-{name}",
        std::process::id()
    ))
}

fn client_config(ca_pem: &str) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots
            .add(cert.expect("a PEM certificate"))
            .expect("a valid CA certificate");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    Arc::new(config)
}

fn tls_connect(sim: &Simulator, config: Arc<ClientConfig>, server_name: &str) -> TlsConn {
    let name = ServerName::try_from(server_name.to_owned()).expect("a server name");
    let connection = ClientConnection::new(config, name).expect("a TLS client");
    let stream = TcpStream::connect(sim.local_addr()).expect("connect");
    stream
        .set_read_timeout(Some(READ_TIMEOUT))
        .expect("timeout");
    Conn::new(StreamOwned::new(connection, stream), server_name)
}

fn tls_sim(ca_path: Option<PathBuf>) -> Simulator {
    sim(SimConfig {
        tls: Some(TlsConfig {
            ca_cert_path: ca_path,
        }),
        ..SimConfig::default()
    })
}

#[test]
fn a_client_trusting_the_written_ca_completes_a_rotation_over_https() {
    let path = temp_path("ca.pem");
    let sim = tls_sim(Some(path.clone()));
    assert!(
        sim.base_url().starts_with("https://127.0.0.1:"),
        "{}",
        sim.base_url()
    );
    let written = std::fs::read_to_string(&path).expect("the CA PEM was written");
    let _ = std::fs::remove_file(&path);
    assert!(written.starts_with("-----BEGIN CERTIFICATE-----"));
    assert_eq!(Some(written.clone()), sim.ca_cert_pem());

    let mut conn = tls_connect(&sim, client_config(&written), "127.0.0.1");
    let created = conn
        .send(&as_primary(&sim, "POST", SECONDARY))
        .expect("a response");
    assert_eq!(created.status, 201);
    assert!(
        created.json()["url"]
            .as_str()
            .unwrap_or_default()
            .starts_with("https://127.0.0.1:")
    );
    let promoted = conn
        .send(&as_primary(&sim, "POST", PROMOTE))
        .expect("a response on the same connection");
    assert_eq!(promoted.status, 200);
    assert_eq!(sim.connections(), 1);
}

#[test]
fn the_certificate_is_valid_for_localhost_too() {
    let sim = tls_sim(None);
    let pem = sim.ca_cert_pem().expect("a CA PEM");
    let mut conn = tls_connect(&sim, client_config(&pem), "localhost");
    assert_eq!(
        conn.send(&as_primary(&sim, "GET", PUBLIC_KEYS))
            .expect("a response")
            .status,
        200
    );
}

#[test]
fn a_client_that_does_not_trust_the_ca_fails_the_handshake() {
    let sim = tls_sim(None);
    let other = tls_sim(None);
    let foreign_ca = other.ca_cert_pem().expect("a CA PEM");
    let mut conn = tls_connect(&sim, client_config(&foreign_ca), "127.0.0.1");
    assert!(conn.send(&as_primary(&sim, "GET", PUBLIC_KEYS)).is_err());
    // The failed handshake does not hurt the server.
    let pem = sim.ca_cert_pem().expect("a CA PEM");
    let mut good = tls_connect(&sim, client_config(&pem), "127.0.0.1");
    assert_eq!(
        good.send(&as_primary(&sim, "GET", PUBLIC_KEYS))
            .expect("a response")
            .status,
        200
    );
}

#[test]
fn plain_http_to_the_tls_port_does_not_crash_the_server() {
    let sim = tls_sim(None);
    let _ = send(&sim, as_primary(&sim, "GET", PUBLIC_KEYS));
    let pem = sim.ca_cert_pem().expect("a CA PEM");
    let mut conn = tls_connect(&sim, client_config(&pem), "127.0.0.1");
    assert_eq!(
        conn.send(&as_primary(&sim, "GET", PUBLIC_KEYS))
            .expect("a response")
            .status,
        200
    );
}

#[test]
fn an_unwritable_ca_path_is_an_error_at_start() {
    let result = Simulator::spawn(SimConfig {
        tls: Some(TlsConfig {
            ca_cert_path: Some(temp_path("missing-dir").join("ca.pem")),
        }),
        ..SimConfig::default()
    });
    assert!(result.is_err());
}

#[test]
fn over_https_a_client_pages_by_following_the_links_the_simulator_writes() {
    let sim = tls_sim(None);
    let pem = sim.ca_cert_pem().expect("a CA PEM");
    let mut conn = tls_connect(&sim, client_config(&pem), "127.0.0.1");
    let base = sim.base_url();
    let mut created = Vec::new();
    for i in 0..3 {
        let response = conn
            .send(&as_primary(&sim, "POST", AWS).form(&format!("Credentials=AKIA:s{i}")))
            .expect("a response");
        assert_eq!(response.status, 201);
        created.push(response.json()["sid"].clone());
    }
    // An official library follows `next_page_url` as given; here only its path and query are sent, on the
    // same connection, and the link must point at this simulator.
    let mut next = Some(format!("{base}{AWS}?PageSize=2"));
    let mut listed = Vec::new();
    for _ in 0..created.len() + 1 {
        let Some(link) = next.take() else { break };
        let target = link
            .strip_prefix(&base)
            .unwrap_or_else(|| panic!("{link} is not under {base}"));
        let page = conn
            .send(&as_primary(&sim, "GET", target))
            .expect("a response")
            .json();
        listed.extend(
            page["credentials"]
                .as_array()
                .expect("credentials")
                .iter()
                .map(|c| c["sid"].clone()),
        );
        next = page["meta"]["next_page_url"].as_str().map(str::to_owned);
    }
    assert!(next.is_none(), "paging ended");
    assert_eq!(listed, created);
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");
}

#[test]
fn an_api_key_created_over_https_authenticates_over_https() {
    let sim = tls_sim(None);
    let ca = sim.ca_cert_pem().expect("a CA");
    let mut conn = tls_connect(&sim, client_config(&ca), "127.0.0.1");
    let form = format!("AccountSid={}&FriendlyName=tls", sim.account_sid());
    let created = conn
        .send(&as_primary(&sim, "POST", "/v1/Keys").form(&form))
        .expect("a response");
    assert_eq!(created.status, 201);
    let body = created.json();
    let sid = body["sid"].as_str().expect("a key SID").to_owned();
    let secret = body["secret"].as_str().expect("a secret").to_owned();
    let listed = conn
        .send(&Req::new("GET", PUBLIC_KEYS).auth(&sid, &secret))
        .expect("a response");
    assert_eq!(listed.status, 200);
    let deleted = conn
        .send(&as_primary(&sim, "DELETE", &format!("/v1/Keys/{sid}")))
        .expect("a response");
    assert_eq!(deleted.status, 204);
    let refused = conn
        .send(&Req::new("GET", PUBLIC_KEYS).auth(&sid, &secret))
        .expect("a response");
    assert_twilio_error(&refused, 401, 20003);
}
