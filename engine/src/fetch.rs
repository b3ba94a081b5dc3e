//! Images from URLs, fetched so that a team server can do it for anyone: http and https
//! only; the name resolved once and the connection made to the very address that was
//! checked (no second lookup to rebind); loopback, private, link-local (cloud metadata),
//! CGNAT, multicast, unspecified and IPv4-mapped addresses refused unless
//! `PICSCRIBE_FETCH_ALLOW` names them; each redirect checked again, at most five; no
//! cookies or credentials; a size cap counted while reading; connect and read timeouts;
//! the bytes sniffed, never the Content-Type believed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use ipnet::IpNet;
use reqwest::Url;

use crate::images::{human_size, sniff, ImageKind};

pub const DEFAULT_MAX_BYTES: u64 = 20 * 1024 * 1024;
const MAX_REDIRECTS: usize = 5;

/// Where fetches may go and how much they may take.
#[derive(Clone, Debug)]
pub struct FetchPolicy {
    /// Hosts (by name) and networks let through although their class is refused.
    pub allow_hosts: Vec<String>,
    pub allow_nets: Vec<IpNet>,
    pub max_bytes: u64,
    pub connect_timeout: Duration,
    /// The longest silence while reading, and the whole fetch at most four times that.
    pub read_timeout: Duration,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            allow_hosts: Vec::new(),
            allow_nets: Vec::new(),
            max_bytes: DEFAULT_MAX_BYTES,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(30),
        }
    }
}

impl FetchPolicy {
    /// `PICSCRIBE_FETCH_ALLOW` (hosts or CIDRs, comma-separated) and
    /// `PICSCRIBE_FETCH_MAX_BYTES`; a value that cannot be read is a sentence naming it.
    pub fn from_env(var: &dyn Fn(&str) -> Option<String>) -> Result<FetchPolicy, String> {
        let mut policy = FetchPolicy::default();
        for entry in var("PICSCRIBE_FETCH_ALLOW").iter().flat_map(|v| v.split(',')).map(str::trim) {
            if entry.is_empty() {
                continue;
            }
            if let Ok(net) = entry.parse::<IpNet>() {
                policy.allow_nets.push(net);
            } else if let Ok(ip) = entry.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
                policy.allow_nets.push(IpNet::from(ip));
            } else if entry.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-') {
                policy.allow_hosts.push(entry.to_ascii_lowercase());
            } else {
                return Err(format!("PICSCRIBE_FETCH_ALLOW has “{entry}”, which is neither a host name nor a CIDR"));
            }
        }
        if let Some(max) = var("PICSCRIBE_FETCH_MAX_BYTES") {
            policy.max_bytes = max
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("PICSCRIBE_FETCH_MAX_BYTES must be a number of bytes, not “{max}”"))?;
        }
        Ok(policy)
    }

    fn allows(&self, host: &str, ip: IpAddr) -> bool {
        let host = host.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
        self.allow_hosts.contains(&host)
            || self
                .allow_nets
                .iter()
                .any(|net| net.contains(&ip) || mapped_v4(ip).is_some_and(|v4| net.contains(&IpAddr::V4(v4))))
    }
}

/// Why an address is not fetched from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    Loopback,
    Private,
    LinkLocal,
    Cgnat,
    Multicast,
    Unspecified,
    /// Broadcast, benchmarking, documentation and the other ranges no image lives at.
    Reserved,
    /// An IPv4 address wearing IPv6 (`::ffff:127.0.0.1`, NAT64, 6to4).
    Ipv4Mapped,
}

impl Refused {
    pub fn sentence(self) -> &'static str {
        match self {
            Refused::Loopback => "it points at this server itself",
            Refused::Private | Refused::Cgnat => "it points at an address inside this network",
            Refused::LinkLocal => "it points at a link-local address (where cloud metadata lives)",
            Refused::Multicast => "it points at a multicast address",
            Refused::Unspecified => "it points at no address at all",
            Refused::Reserved => "it points at a reserved address",
            Refused::Ipv4Mapped => "it points at an IPv4 address written as IPv6",
        }
    }
}

/// The class of an address picscribe never fetches from, if it is one.
pub fn classify(ip: IpAddr) -> Option<Refused> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<Refused> {
    let [a, b, c, _] = ip.octets();
    Some(match (a, b, c) {
        (0, ..) => Refused::Unspecified,
        (127, ..) => Refused::Loopback,
        (10, ..) | (172, 16..=31, _) | (192, 168, _) => Refused::Private,
        (169, 254, _) => Refused::LinkLocal,
        (100, 64..=127, _) => Refused::Cgnat,
        (224..=239, ..) => Refused::Multicast,
        (240..=255, ..) | (192, 0, 0 | 2) | (198, 18..=19, _) | (198, 51, 100) | (203, 0, 113) => Refused::Reserved,
        _ => return None,
    })
}

/// The IPv4 address inside an IPv4-mapped, NAT64 or 6to4 IPv6 address.
fn mapped_v4(ip: IpAddr) -> Option<Ipv4Addr> {
    let IpAddr::V6(v6) = ip else { return None };
    let s = v6.segments();
    let tail = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
    match s {
        [0, 0, 0, 0, 0, 0xffff, ..] | [0x64, 0xff9b, 0, 0, 0, 0, ..] => Some(tail),
        [0x2002, hi, lo, ..] => Some(Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)),
        _ => None,
    }
}

fn classify_v6(ip: Ipv6Addr) -> Option<Refused> {
    if mapped_v4(IpAddr::V6(ip)).is_some() {
        return Some(Refused::Ipv4Mapped);
    }
    let first = ip.segments()[0];
    Some(match first {
        _ if ip.is_unspecified() => Refused::Unspecified,
        _ if ip.is_loopback() => Refused::Loopback,
        0xfc00..=0xfdff => Refused::Private,
        0xfe80..=0xfebf => Refused::LinkLocal,
        // Site-local, deprecated but still routed inside some networks.
        0xfec0..=0xfeff => Refused::Private,
        0xff00..=0xffff => Refused::Multicast,
        // The IPv4-compatible form (::a.b.c.d) and documentation addresses.
        0 | 0x2001 if ip.segments()[..6] == [0; 6] || ip.segments()[..2] == [0x2001, 0xdb8] => Refused::Reserved,
        _ => return None,
    })
}

/// What went wrong with one URL; each is the end of "… was not fetched: …".
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("it is not a valid http or https address")]
    BadUrl,
    #[error("only http and https addresses are fetched")]
    Scheme,
    #[error("{}", .0.sentence())]
    Refused(Refused),
    #[error("its host name could not be found")]
    Resolve,
    #[error("its server could not be reached")]
    Connect,
    #[error("its server took too long")]
    Timeout,
    #[error("its server answered {0}")]
    Status(u16),
    #[error("it is larger than the {} allowed (PICSCRIBE_FETCH_MAX_BYTES)", human_size(*.0))]
    TooBig(u64),
    #[error("it redirected more than five times")]
    TooManyRedirects,
    #[error("it is not a JPEG, PNG, GIF or WebP image")]
    NotImage,
}

impl FetchError {
    /// The row's sentence: "https://… was not fetched: it points at an address inside this network."
    pub fn sentence(&self, url: &str) -> String {
        format!("{url} was not fetched: {self}.")
    }
}

/// An image as fetched.
#[derive(Clone, Debug)]
pub struct Fetched {
    pub bytes: Vec<u8>,
    pub kind: ImageKind,
    /// Where it was found after redirects.
    pub url: String,
}

/// Checks a URL before anything is sent: scheme, and an IP literal's class. A host name is
/// checked once it is resolved ([`fetch`]).
pub fn check_url(url: &str) -> Result<Url, FetchError> {
    let parsed = Url::parse(url.trim()).map_err(|_| FetchError::BadUrl)?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(FetchError::Scheme);
    }
    if parsed.host_str().is_none_or(str::is_empty) {
        return Err(FetchError::BadUrl);
    }
    Ok(parsed)
}

/// Resolves the URL's host once and picks the first address the policy lets through; an
/// address of a refused class is refused when it is the only kind there is.
async fn checked_address(url: &Url, policy: &FetchPolicy) -> Result<SocketAddr, FetchError> {
    let host = url.host_str().ok_or(FetchError::BadUrl)?;
    let port = url.port_or_known_default().ok_or(FetchError::BadUrl)?;
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<SocketAddr> = match bare.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => {
            // A name like `localhost` or `metadata.internal` resolves to what it resolves to:
            // the address decides, so no name list is needed.
            tokio::net::lookup_host((bare, port)).await.map_err(|_| FetchError::Resolve)?.collect()
        }
    };
    let mut refused = None;
    for address in &addresses {
        match classify(address.ip()) {
            Some(class) if !policy.allows(host, address.ip()) => refused = refused.or(Some(class)),
            _ => return Ok(*address),
        }
    }
    Err(refused.map_or(FetchError::Resolve, FetchError::Refused))
}

/// Fetches one image by the rules at the top of this module.
pub async fn fetch(url: &str, policy: &FetchPolicy) -> Result<Fetched, FetchError> {
    let mut current = check_url(url)?;
    for _ in 0..=MAX_REDIRECTS {
        let address = checked_address(&current, policy).await?;
        let host = current.host_str().ok_or(FetchError::BadUrl)?.to_string();
        // One client per hop, pinned to the address just checked: no second lookup, no
        // redirects followed behind our back, no cookies kept.
        let client = reqwest::Client::builder()
            .resolve(host.trim_start_matches('[').trim_end_matches(']'), address)
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(policy.connect_timeout)
            .read_timeout(policy.read_timeout)
            .timeout(policy.read_timeout * 4)
            .user_agent(concat!("picscribe/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|_| FetchError::Connect)?;
        let mut response = client.get(current.clone()).send().await.map_err(|err| transport(&err))?;
        let status = response.status();
        if status.is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .ok_or(FetchError::Status(status.as_u16()))?;
            current = current.join(location).map_err(|_| FetchError::BadUrl)?;
            current = check_url(current.as_str())?;
            continue;
        }
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        if response.content_length().is_some_and(|n| n > policy.max_bytes) {
            return Err(FetchError::TooBig(policy.max_bytes));
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|err| transport(&err))? {
            if (bytes.len() + chunk.len()) as u64 > policy.max_bytes {
                return Err(FetchError::TooBig(policy.max_bytes));
            }
            bytes.extend_from_slice(&chunk);
        }
        let kind = sniff(&bytes).ok_or(FetchError::NotImage)?;
        return Ok(Fetched { bytes, kind, url: current.to_string() });
    }
    Err(FetchError::TooManyRedirects)
}

fn transport(err: &reqwest::Error) -> FetchError {
    if err.is_timeout() {
        FetchError::Timeout
    } else {
        FetchError::Connect
    }
}

pub use crate::feed::name_from_url;

#[cfg(test)]
#[path = "fetch_tests.rs"]
mod tests;
