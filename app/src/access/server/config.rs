//! Who may use this server and how much, read once at start-up from the environment and
//! the `[[user]]` tables of `picscribe.toml`. Pure: the environment is passed in, so every
//! rule is a table test.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use ipnet::IpNet;
use serde::Deserialize;

pub const DEFAULT_MAX_PARALLEL: u32 = 8;
pub const DEFAULT_MAX_IN_FLIGHT: u32 = 64;
pub const DEFAULT_MAX_OUTPUT_TOKENS: u32 = 1024;
pub const DEFAULT_CLIENT_TIMEOUT_SECS: u32 = 30;

/// One person (or script) allowed in, with their limits.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub name: String,
    /// The environment variable holding the token (keeps it out of the file).
    #[serde(default)]
    pub token_env: Option<String>,
    /// Filled from `token_env`; a user without one can only come in through the trusted header.
    #[serde(skip)]
    pub token: Option<String>,
    /// Provider tokens (input + output) per UTC day and per UTC month.
    #[serde(default)]
    pub daily_token_budget: Option<u64>,
    #[serde(default)]
    pub monthly_token_budget: Option<u64>,
    #[serde(default = "default_parallel")]
    pub max_parallel: u32,
    /// The models this user may ask for; none means every model the providers offer.
    #[serde(default)]
    pub models: Option<Vec<String>>,
}

fn default_parallel() -> u32 {
    DEFAULT_MAX_PARALLEL
}

/// The token never reaches a log through `{:?}`.
impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("name", &self.name)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("max_parallel", &self.max_parallel)
            .finish_non_exhaustive()
    }
}

impl User {
    /// Someone the server lets in without naming them: the only user of a loopback
    /// install, or a name a trusted proxy vouched for that the file does not list.
    pub fn unlisted(name: &str) -> User {
        User {
            name: name.into(),
            token_env: None,
            token: None,
            daily_token_budget: None,
            monthly_token_budget: None,
            max_parallel: DEFAULT_MAX_PARALLEL,
            models: None,
        }
    }

    pub fn may_use(&self, model: &str) -> bool {
        self.models.as_ref().is_none_or(|models| models.iter().any(|m| m == model))
    }
}

/// Everything about who gets in and what they may spend.
#[derive(Clone, Debug)]
pub struct AccessSettings {
    /// People with tokens (`PICSCRIBE_ACCESS_TOKEN` adds one called "team").
    pub users: Vec<User>,
    /// A header a signing-in proxy sets (`Remote-User`), believed only from `trusted_proxies`.
    pub trusted_header: Option<String>,
    pub trusted_proxies: Vec<IpNet>,
    /// Host names besides loopback ones and IP addresses the server answers to.
    pub allowed_hosts: Vec<String>,
    /// Set explicitly to serve a non-loopback address with nobody signing in.
    pub allow_unauthenticated: bool,
    pub max_in_flight: u32,
    pub max_output_tokens: u32,
    pub daily_token_budget: Option<u64>,
    pub monthly_token_budget: Option<u64>,
    pub data_dir: PathBuf,
    /// How long a client may take to send its request headers, and its body.
    pub client_timeout: std::time::Duration,
    /// Where "Add from URLs" may fetch from (`PICSCRIBE_FETCH_ALLOW`, `PICSCRIBE_FETCH_MAX_BYTES`).
    pub fetch: engine::fetch::FetchPolicy,
    /// How often the server asks providers about the batches sent from the page
    /// (`PICSCRIBE_BATCH_POLL_SECS`, 30 s).
    pub batch_poll: std::time::Duration,
    /// Lower limits per batch than the provider's, in requests and bytes
    /// (`PICSCRIBE_BATCH_MAX_REQUESTS`, `PICSCRIBE_BATCH_MAX_BYTES`), for the page and the command.
    pub batch_lowered: (Option<u64>, Option<u64>),
}

impl Default for AccessSettings {
    fn default() -> Self {
        AccessSettings {
            users: Vec::new(),
            trusted_header: None,
            trusted_proxies: Vec::new(),
            allowed_hosts: Vec::new(),
            allow_unauthenticated: false,
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            max_output_tokens: DEFAULT_MAX_OUTPUT_TOKENS,
            daily_token_budget: None,
            monthly_token_budget: None,
            data_dir: PathBuf::from("data"),
            client_timeout: std::time::Duration::from_secs(u64::from(DEFAULT_CLIENT_TIMEOUT_SECS)),
            fetch: engine::fetch::FetchPolicy::default(),
            batch_poll: std::time::Duration::from_secs(30),
            batch_lowered: (None, None),
        }
    }
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct AccessConfigError(pub String);

#[derive(Deserialize)]
struct File {
    #[serde(default, rename = "user")]
    users: Vec<User>,
}

impl AccessSettings {
    /// Whether anyone must say who they are.
    pub fn sign_in_required(&self) -> bool {
        !self.users.is_empty() || self.trusted_header.is_some()
    }

    /// Refuses to serve a non-loopback address to everyone unless told to in so many words.
    pub fn check_bind(&self, addr: SocketAddr) -> Result<(), AccessConfigError> {
        if addr.ip().is_loopback() || self.sign_in_required() || self.allow_unauthenticated {
            return Ok(());
        }
        Err(AccessConfigError(format!(
            "picscribe would listen on {addr}, where anyone who reaches it could spend the provider key. \
             Set PICSCRIBE_ACCESS_TOKEN (or [[user]] tables in picscribe.toml, or PICSCRIBE_TRUSTED_USER_HEADER \
             behind a signing-in proxy), listen on 127.0.0.1, or set PICSCRIBE_ALLOW_UNAUTHENTICATED=true."
        )))
    }

    /// Whether `host` (a `Host` header, port included or not) is one this server answers to:
    /// an IP address, a loopback name or an allowed host. A name an attacker controls,
    /// pointed at this machine (DNS rebinding), is none of these.
    pub fn host_allowed(&self, host: &str) -> bool {
        let name = strip_port(host).to_ascii_lowercase();
        let bare = name.trim_start_matches('[').trim_end_matches(']');
        bare.parse::<IpAddr>().is_ok()
            || name == "localhost"
            || name.ends_with(".localhost")
            || self.allowed_hosts.iter().any(|allowed| {
                let allowed = allowed.to_ascii_lowercase();
                allowed == host.to_ascii_lowercase() || allowed == name
            })
    }

    pub fn is_trusted_proxy(&self, peer: Option<IpAddr>) -> bool {
        peer.is_some_and(|ip| self.trusted_proxies.iter().any(|net| net.contains(&ip)))
    }
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_once(']').map_or(host, |(inside, _)| &host[..inside.len() + 1]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) && !name.contains(':') => name,
        _ => host,
    }
}

/// Reads the access settings: `PICSCRIBE_*` variables and the `[[user]]` tables of the
/// file at `PICSCRIBE_CONFIG` (given as its path and text).
pub fn load(
    var: &dyn Fn(&str) -> Option<String>,
    file: Option<(&str, &str)>,
) -> Result<AccessSettings, AccessConfigError> {
    let mut settings = AccessSettings::default();
    if let Some((path, text)) = file {
        let invalid = |reason: String| AccessConfigError(format!("{path} is not valid: {reason}"));
        let parsed: File = toml::from_str(text).map_err(|err| invalid(err.message().to_string()))?;
        for mut user in parsed.users {
            check_name(&user.name).map_err(invalid)?;
            if settings.users.iter().any(|u: &User| u.name == user.name) {
                return Err(invalid(format!("two users are called “{}”", user.name)));
            }
            if user.max_parallel == 0 {
                return Err(invalid(format!("max_parallel of “{}” must be at least 1", user.name)));
            }
            user.token = user.token_env.as_deref().and_then(var);
            if let Some(env) = &user.token_env {
                if user.token.is_none() {
                    return Err(invalid(format!("user “{}” names {env}, which is not set", user.name)));
                }
            }
            settings.users.push(user);
        }
    }
    if let Some(token) = var("PICSCRIBE_ACCESS_TOKEN") {
        let mut team = User::unlisted("team");
        team.token = Some(token);
        settings.users.push(team);
    }
    for user in &settings.users {
        if let Some(token) = &user.token {
            if token.chars().count() < 16 {
                return Err(AccessConfigError(format!(
                    "the access token of “{}” is shorter than 16 characters; use a long random one \
                     (openssl rand -hex 24)",
                    user.name
                )));
            }
        }
    }
    settings.trusted_header = var("PICSCRIBE_TRUSTED_USER_HEADER");
    settings.trusted_proxies =
        list(var("PICSCRIBE_TRUSTED_PROXIES")).iter().map(|net| parse_net(net)).collect::<Result<_, _>>()?;
    if settings.trusted_header.is_some() && settings.trusted_proxies.is_empty() {
        return Err(AccessConfigError(
            "PICSCRIBE_TRUSTED_USER_HEADER needs PICSCRIBE_TRUSTED_PROXIES: the addresses of the proxies \
             allowed to set it (for example 127.0.0.1/32,10.0.0.0/8)"
                .into(),
        ));
    }
    settings.allowed_hosts = list(var("PICSCRIBE_ALLOWED_HOSTS"));
    settings.allow_unauthenticated = var("PICSCRIBE_ALLOW_UNAUTHENTICATED").is_some_and(|v| is_yes(&v));
    settings.max_in_flight = number(var, "PICSCRIBE_MAX_IN_FLIGHT")?.unwrap_or(DEFAULT_MAX_IN_FLIGHT);
    settings.max_output_tokens = number(var, "PICSCRIBE_MAX_OUTPUT_TOKENS")?.unwrap_or(DEFAULT_MAX_OUTPUT_TOKENS);
    settings.daily_token_budget = number(var, "PICSCRIBE_DAILY_TOKEN_BUDGET")?;
    settings.monthly_token_budget = number(var, "PICSCRIBE_MONTHLY_TOKEN_BUDGET")?;
    if let Some(secs) = number::<u32>(var, "PICSCRIBE_CLIENT_TIMEOUT_SECS")? {
        settings.client_timeout = std::time::Duration::from_secs(u64::from(secs));
    }
    settings.fetch = engine::fetch::FetchPolicy::from_env(var).map_err(AccessConfigError)?;
    settings.batch_poll = seconds(var, "PICSCRIBE_BATCH_POLL_SECS")?.unwrap_or(settings.batch_poll);
    settings.batch_lowered = (number(var, "PICSCRIBE_BATCH_MAX_REQUESTS")?, number(var, "PICSCRIBE_BATCH_MAX_BYTES")?);
    if let Some(dir) = var("PICSCRIBE_DATA_DIR") {
        settings.data_dir = PathBuf::from(dir);
    }
    Ok(settings)
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(|c| c.is_control()) {
        return Err(format!("user name “{name}” must be 1 to 64 printable characters"));
    }
    Ok(())
}

fn list(value: Option<String>) -> Vec<String> {
    value.map(|v| v.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()).unwrap_or_default()
}

fn parse_net(value: &str) -> Result<IpNet, AccessConfigError> {
    value.parse::<IpNet>().or_else(|_| value.parse::<IpAddr>().map(IpNet::from)).map_err(|_| {
        AccessConfigError(format!("PICSCRIBE_TRUSTED_PROXIES: “{value}” is not an address or a CIDR range"))
    })
}

fn is_yes(value: &str) -> bool {
    matches!(value.to_ascii_lowercase().as_str(), "1" | "true" | "yes")
}

/// A number of seconds above 0, fractions allowed (`0.05`).
fn seconds(var: &dyn Fn(&str) -> Option<String>, name: &str) -> Result<Option<std::time::Duration>, AccessConfigError> {
    match var(name) {
        None => Ok(None),
        Some(value) => {
            match value.trim().parse::<f64>().ok().filter(|s| *s > 0.0).map(std::time::Duration::try_from_secs_f64) {
                Some(Ok(duration)) => Ok(Some(duration)),
                _ => Err(AccessConfigError(format!("{name} must be a number of seconds above 0, not “{value}”"))),
            }
        }
    }
}

fn number<T: std::str::FromStr + PartialOrd + Default>(
    var: &dyn Fn(&str) -> Option<String>,
    name: &str,
) -> Result<Option<T>, AccessConfigError> {
    match var(name) {
        None => Ok(None),
        Some(value) => match value.replace('_', "").parse::<T>() {
            Ok(n) if n > T::default() => Ok(Some(n)),
            _ => Err(AccessConfigError(format!("{name} must be a whole number above 0, not “{value}”"))),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    const ALICE_TOKEN: &str = "alice-0123456789abcdef";

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn nothing_set_means_loopback_only_and_no_sign_in() -> Result<(), AccessConfigError> {
        let settings = load(&env(&[]), None)?;
        assert!(!settings.sign_in_required());
        assert_eq!((settings.max_in_flight, settings.max_output_tokens), (64, 1024));
        assert!(settings.check_bind("127.0.0.1:3000".parse().map_err(|_| AccessConfigError("addr".into()))?).is_ok());
        let open = settings.check_bind(SocketAddr::from(([0, 0, 0, 0], 3000)));
        assert!(open.is_err_and(|e| e.0.contains("PICSCRIBE_ACCESS_TOKEN") && e.0.contains("0.0.0.0:3000")));
        let allowed = load(&env(&[("PICSCRIBE_ALLOW_UNAUTHENTICATED", "true")]), None)?;
        assert!(allowed.check_bind(SocketAddr::from(([0, 0, 0, 0], 3000))).is_ok());
        Ok(())
    }

    #[test]
    fn users_come_from_the_file_with_tokens_from_the_environment() -> Result<(), AccessConfigError> {
        let file = r#"
            [[user]]
            name = "alice"
            token_env = "TOKEN_ALICE"
            daily_token_budget = 200000
            max_parallel = 4
            models = ["gpt-4o-mini"]

            [[user]]
            name = "bob"
        "#;
        let settings = load(
            &env(&[("TOKEN_ALICE", ALICE_TOKEN), ("PICSCRIBE_ACCESS_TOKEN", "shared-0123456789abcdef")]),
            Some(("picscribe.toml", file)),
        )?;
        let names: Vec<_> = settings.users.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["alice", "bob", "team"]);
        let alice = &settings.users[0];
        assert_eq!(alice.token.as_deref(), Some(ALICE_TOKEN));
        assert_eq!((alice.daily_token_budget, alice.max_parallel), (Some(200_000), 4));
        assert!(alice.may_use("gpt-4o-mini") && !alice.may_use("o1-pro"));
        assert!(settings.users[1].may_use("anything") && settings.users[1].token.is_none());
        assert!(!format!("{alice:?}").contains(ALICE_TOKEN), "tokens stay out of logs");
        assert!(settings.check_bind(SocketAddr::from(([0, 0, 0, 0], 3000))).is_ok());
        Ok(())
    }

    #[test]
    fn batch_settings_are_read_once_for_the_page_and_the_command() -> Result<(), AccessConfigError> {
        let defaults = load(&env(&[]), None)?;
        assert_eq!((defaults.batch_poll, defaults.batch_lowered), (std::time::Duration::from_secs(30), (None, None)));
        let set = load(
            &env(&[
                ("PICSCRIBE_BATCH_POLL_SECS", "0.05"),
                ("PICSCRIBE_BATCH_MAX_REQUESTS", "2"),
                ("PICSCRIBE_BATCH_MAX_BYTES", "40_000"),
            ]),
            None,
        )?;
        assert_eq!(
            (set.batch_poll, set.batch_lowered),
            (std::time::Duration::from_millis(50), (Some(2), Some(40_000)))
        );
        Ok(())
    }

    #[test]
    fn bad_settings_are_refused_with_the_reason() {
        /// Variables, the file, and what the refusal says.
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>, &'a str);
        let cases: [Case; 9] = [
            (&[("PICSCRIBE_ACCESS_TOKEN", "short")], None, "shorter than 16"),
            (&[("PICSCRIBE_TRUSTED_USER_HEADER", "Remote-User")], None, "needs PICSCRIBE_TRUSTED_PROXIES"),
            (
                &[("PICSCRIBE_TRUSTED_USER_HEADER", "Remote-User"), ("PICSCRIBE_TRUSTED_PROXIES", "10.0.0/8")],
                None,
                "not an address",
            ),
            (&[("PICSCRIBE_MAX_IN_FLIGHT", "0")], None, "above 0"),
            (&[("PICSCRIBE_BATCH_POLL_SECS", "soon")], None, "PICSCRIBE_BATCH_POLL_SECS must be a number of seconds"),
            (&[("PICSCRIBE_BATCH_MAX_BYTES", "-1")], None, "PICSCRIBE_BATCH_MAX_BYTES must be a whole number above 0"),
            (&[], Some("[[user]]\nname = \"a\"\ntoken_env = \"MISSING\""), "MISSING, which is not set"),
            (&[], Some("[[user]]\nname = \"a\"\nmax_paralel = 3"), "unknown field"),
            (&[], Some("[[user]]\nname = \"a\"\n[[user]]\nname = \"a\""), "two users"),
        ];
        for (vars, file, expected) in cases {
            let result = load(&env(vars), file.map(|text| ("picscribe.toml", text)));
            match result {
                Err(AccessConfigError(message)) => assert!(message.contains(expected), "{message} ∌ {expected}"),
                Ok(_) => panic!("accepted {vars:?} {file:?}"),
            }
        }
    }

    #[test]
    fn hosts_are_ip_addresses_loopback_names_or_allowed_ones() -> Result<(), AccessConfigError> {
        let settings = load(&env(&[("PICSCRIBE_ALLOWED_HOSTS", "pics.example.com")]), None)?;
        for (host, allowed) in [
            ("127.0.0.1:3000", true),
            ("localhost:3000", true),
            ("localhost", true),
            ("app.localhost:8080", true),
            ("[::1]:3000", true),
            ("192.168.1.20:3000", true),
            ("pics.example.com", true),
            ("PICS.example.com:443", true),
            ("rebind.evil.example:3100", false),
            ("localhost.evil.example", false),
            ("example.com", false),
        ] {
            assert_eq!(settings.host_allowed(host), allowed, "{host}");
        }
        Ok(())
    }

    #[test]
    fn proxies_are_trusted_by_address_range() -> Result<(), AccessConfigError> {
        let settings = load(
            &env(&[
                ("PICSCRIBE_TRUSTED_USER_HEADER", "Remote-User"),
                ("PICSCRIBE_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"),
            ]),
            None,
        )?;
        assert!(settings.sign_in_required());
        let ip = |s: &str| s.parse::<IpAddr>().ok();
        assert!(settings.is_trusted_proxy(ip("10.1.2.3")));
        assert!(settings.is_trusted_proxy(ip("127.0.0.1")));
        assert!(!settings.is_trusted_proxy(ip("127.0.0.2")));
        assert!(!settings.is_trusted_proxy(ip("192.168.0.1")));
        assert!(!settings.is_trusted_proxy(None));
        Ok(())
    }
}
