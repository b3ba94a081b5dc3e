use super::*;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

#[test]
fn every_refused_class_is_refused_and_public_addresses_are_not() {
    let cases = [
        ("127.0.0.1", Some(Refused::Loopback)),
        ("127.8.9.10", Some(Refused::Loopback)),
        ("::1", Some(Refused::Loopback)),
        ("10.0.0.1", Some(Refused::Private)),
        ("172.16.5.4", Some(Refused::Private)),
        ("172.31.255.255", Some(Refused::Private)),
        ("192.168.1.1", Some(Refused::Private)),
        ("fd00::1", Some(Refused::Private)),
        ("169.254.169.254", Some(Refused::LinkLocal)),
        ("fe80::1", Some(Refused::LinkLocal)),
        ("100.64.0.1", Some(Refused::Cgnat)),
        ("100.127.255.254", Some(Refused::Cgnat)),
        ("224.0.0.1", Some(Refused::Multicast)),
        ("ff02::1", Some(Refused::Multicast)),
        ("0.0.0.0", Some(Refused::Unspecified)),
        ("::", Some(Refused::Unspecified)),
        ("255.255.255.255", Some(Refused::Reserved)),
        ("::ffff:127.0.0.1", Some(Refused::Ipv4Mapped)),
        ("::ffff:8.8.8.8", Some(Refused::Ipv4Mapped)),
        ("64:ff9b::a9fe:a9fe", Some(Refused::Ipv4Mapped)),
        ("2002:a9fe:a9fe::1", Some(Refused::Ipv4Mapped)),
        ("93.184.216.34", None),
        ("172.32.0.1", None),
        ("100.128.0.1", None),
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
    ];
    for (address, want) in cases {
        assert_eq!(classify(ip(address)), want, "{address}");
    }
}

#[test]
fn the_allowance_names_hosts_or_networks() -> Result<(), String> {
    let env = |name: &str| (name == "PICSCRIBE_FETCH_ALLOW").then(|| "127.0.0.1/32, images.local ,[::1]".to_string());
    let policy = FetchPolicy::from_env(&env)?;
    assert!(policy.allows("127.0.0.1", ip("127.0.0.1")));
    assert!(policy.allows("[::ffff:127.0.0.1]", ip("::ffff:127.0.0.1")), "the mapped form of an allowed address");
    assert!(policy.allows("[::1]", ip("::1")));
    assert!(policy.allows("IMAGES.local", ip("10.1.2.3")), "a named host, wherever it resolves");
    assert!(!policy.allows("127.0.0.2", ip("127.0.0.2")));
    assert!(!policy.allows("localhost", ip("10.0.0.1")));
    let bad = |name: &str| (name == "PICSCRIBE_FETCH_ALLOW").then(|| "http://x/".to_string());
    assert!(FetchPolicy::from_env(&bad).is_err());
    let size = |name: &str| (name == "PICSCRIBE_FETCH_MAX_BYTES").then(|| "lots".to_string());
    assert!(FetchPolicy::from_env(&size).is_err());
    Ok(())
}

#[test]
fn only_http_and_https_with_a_host() {
    let cases = [
        ("https://shop.example/a.jpg", None),
        ("http://shop.example:8080/a.jpg", None),
        ("file:///etc/passwd", Some(FetchError::Scheme)),
        ("ftp://shop.example/a.jpg", Some(FetchError::Scheme)),
        ("gopher://x/", Some(FetchError::Scheme)),
        ("not a url", Some(FetchError::BadUrl)),
        ("/images/a.jpg", Some(FetchError::BadUrl)),
    ];
    for (url, want) in cases {
        assert_eq!(check_url(url).err(), want, "{url}");
    }
}

#[tokio::test]
async fn refused_addresses_are_refused_before_any_connection() {
    // None of these is listening or reachable here: a refusal that waited for a
    // connection would be a connect error or a timeout instead.
    let policy = FetchPolicy { connect_timeout: Duration::from_millis(200), ..FetchPolicy::default() };
    let cases = [
        ("http://localhost:9/a.jpg", Refused::Loopback),
        ("http://127.0.0.1:9/a.jpg", Refused::Loopback),
        ("http://[::1]:9/a.jpg", Refused::Loopback),
        ("http://169.254.169.254/latest/meta-data/", Refused::LinkLocal),
        ("http://10.0.0.1/a.jpg", Refused::Private),
        ("http://[::ffff:127.0.0.1]:9/a.jpg", Refused::Ipv4Mapped),
    ];
    for (url, class) in cases {
        assert_eq!(fetch(url, &policy).await.err(), Some(FetchError::Refused(class)), "{url}");
    }
}

#[test]
fn a_refusal_is_a_sentence_naming_the_url() {
    assert_eq!(
        FetchError::Refused(Refused::Private).sentence("http://10.0.0.1/a.jpg"),
        "http://10.0.0.1/a.jpg was not fetched: it points at an address inside this network."
    );
}
