//! Server-only half of access: the settings, who a request comes from (session cookie,
//! bearer token, or a trusted proxy's header), the sessions, and the limits on what each
//! caller may spend at once and in total. [`guard`] is the one door in front of the
//! server functions; they read the [`Caller`] it leaves on the request.

pub mod budget;
pub mod config;
pub mod guard;
mod reserve;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::http::HeaderMap;
use subtle::ConstantTimeEq;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use self::budget::{Budgets, Spent};
pub use self::config::{AccessSettings, User};
pub use self::reserve::Reservation;
use crate::error::ApiError;

pub const SESSION_COOKIE: &str = "picscribe_session";
/// How long a sign-in lasts.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(30 * 24 * 3600);

/// Who a request comes from, and how they proved it.
#[derive(Clone, Debug)]
pub struct Caller {
    pub user: Arc<User>,
    pub via: Via,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Via {
    /// A loopback install with no access configured: everyone is the one local user.
    Open,
    Session(String),
    Bearer,
    /// A trusted proxy's header.
    Proxy,
}

/// Two describes held by one call: the server-wide slot and the caller's own.
pub struct Permits {
    _global: OwnedSemaphorePermit,
    _own: OwnedSemaphorePermit,
}

/// Access settings and what they track at run time. Cheap to clone.
#[derive(Clone)]
pub struct Access {
    inner: Arc<Inner>,
}

struct Inner {
    settings: AccessSettings,
    users: Vec<Arc<User>>,
    /// Session id → user name and when the session ends. Kept in memory: a restart signs
    /// everyone out, which costs a sign-in and nothing else.
    sessions: Mutex<HashMap<String, (String, SystemTime)>>,
    in_flight: Arc<Semaphore>,
    per_user: Mutex<HashMap<String, Arc<Semaphore>>>,
    budgets: Budgets,
    /// Tokens held by calls under way ([`reserve`]).
    held: Mutex<reserve::Held>,
}

impl Access {
    pub fn new(settings: AccessSettings, budgets: Budgets) -> Access {
        let users = settings.users.iter().cloned().map(Arc::new).collect();
        let in_flight = Arc::new(Semaphore::new(settings.max_in_flight as usize));
        Access {
            inner: Arc::new(Inner {
                settings,
                users,
                sessions: Mutex::default(),
                in_flight,
                per_user: Mutex::default(),
                budgets,
                held: Mutex::default(),
            }),
        }
    }

    /// A loopback install with nothing configured and budgets in memory, as the tests use.
    pub fn open() -> Access {
        Access::new(AccessSettings::default(), Budgets::in_memory())
    }

    pub fn settings(&self) -> &AccessSettings {
        &self.inner.settings
    }

    pub fn budgets(&self) -> &Budgets {
        &self.inner.budgets
    }

    /// Who the request comes from, if anyone the server lets in.
    pub fn identify(&self, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<Caller> {
        let settings = &self.inner.settings;
        if let Some(header) = &settings.trusted_header {
            if settings.is_trusted_proxy(peer) {
                let name = headers.get(header.as_str()).and_then(|v| v.to_str().ok()).map(str::trim);
                if let Some(name) = name.filter(|n| !n.is_empty() && n.len() <= 64) {
                    let user = self.user(name).unwrap_or_else(|| Arc::new(User::unlisted(name)));
                    return Some(Caller { user, via: Via::Proxy });
                }
            }
        }
        if !settings.sign_in_required() {
            return Some(Caller { user: Arc::new(User::unlisted("local")), via: Via::Open });
        }
        let bearer = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if let Some(token) = bearer {
            return self.user_with_token(token.trim()).map(|user| Caller { user, via: Via::Bearer });
        }
        let session = cookie(headers, SESSION_COOKIE)?;
        let name = {
            let sessions = self.inner.sessions.lock().ok()?;
            let (name, ends) = sessions.get(session)?;
            (SystemTime::now() < *ends).then(|| name.clone())?
        };
        self.user(&name).map(|user| Caller { user, via: Via::Session(session.to_string()) })
    }

    fn user(&self, name: &str) -> Option<Arc<User>> {
        self.inner.users.iter().find(|u| u.name == name).cloned()
    }

    /// The user whose token this is, compared in constant time against every user.
    pub fn user_with_token(&self, token: &str) -> Option<Arc<User>> {
        let mut found = None;
        for user in &self.inner.users {
            if let Some(theirs) = &user.token {
                if bool::from(theirs.as_bytes().ct_eq(token.as_bytes())) {
                    found = Some(Arc::clone(user));
                }
            }
        }
        found
    }

    /// Starts a session for the user with this token; returns the session id.
    pub fn sign_in(&self, token: &str) -> Option<(Arc<User>, String)> {
        let user = self.user_with_token(token)?;
        let id = session_id();
        let mut sessions = self.inner.sessions.lock().ok()?;
        let now = SystemTime::now();
        sessions.retain(|_, (_, ends)| *ends > now);
        sessions.insert(id.clone(), (user.name.clone(), now + SESSION_LIFETIME));
        Some((user, id))
    }

    pub fn sign_out(&self, session: &str) {
        if let Ok(mut sessions) = self.inner.sessions.lock() {
            sessions.remove(session);
        }
    }

    /// Holds one of the server's describe slots and one of the caller's, or says why not.
    pub fn admit(&self, caller: &Caller) -> Result<Permits, ApiError> {
        let global = Arc::clone(&self.inner.in_flight).try_acquire_owned().map_err(|_| {
            ApiError::Unavailable(format!(
                "The server is describing {} images at once, its limit; try again in a moment.",
                self.inner.settings.max_in_flight
            ))
        })?;
        let own = {
            let mut per_user = self.inner.per_user.lock().map_err(|_| ApiError::Transport("Busy.".into()))?;
            let semaphore = per_user
                .entry(caller.user.name.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(caller.user.max_parallel as usize)));
            Arc::clone(semaphore)
        };
        let own = own.try_acquire_owned().map_err(|_| {
            ApiError::TooMany(format!(
                "You already have {} descriptions under way, your limit; this one will wait for them.",
                caller.user.max_parallel
            ))
        })?;
        Ok(Permits { _global: global, _own: own })
    }

    /// What the caller (and everyone) has spent today and this month.
    pub async fn spent(&self, caller: &Caller) -> Result<(Spent, Spent), ApiError> {
        let now = SystemTime::now();
        let budgets = self.inner.budgets.clone();
        let name = caller.user.name.clone();
        let (mine, all) = tokio::task::spawn_blocking(move || (budgets.spent(&name, now), budgets.spent_by_all(now)))
            .await
            .map_err(|_| ApiError::Transport("The usage record could not be read.".into()))?;
        Ok((mine.map_err(budget_unreadable)?, all.map_err(budget_unreadable)?))
    }

    /// Refuses a call that would start past a budget, with the sentence to show; what
    /// calls under way hold counts as spent.
    pub async fn check_budget(&self, caller: &Caller) -> Result<(), ApiError> {
        let settings = &self.inner.settings;
        let user = &caller.user;
        let (mine, all) = self.spent(caller).await?;
        let (mine_held, all_held) = self.held(&user.name);
        let plus = |spent: Spent, held: u64| Spent { day: spent.day + held, month: spent.month + held };
        budget::check(&self.whose(caller), user.daily_token_budget, user.monthly_token_budget, plus(mine, mine_held))?;
        budget::check("This server's", settings.daily_token_budget, settings.monthly_token_budget, plus(all, all_held))
    }

    /// How a budget sentence names the caller's budget: "Alice's", or "This server's" for
    /// the one local user of an open install.
    fn whose(&self, caller: &Caller) -> String {
        if caller.via == Via::Open {
            "This server's".to_string()
        } else {
            possessive(&caller.user.name)
        }
    }
}

fn budget_unreadable(error: String) -> ApiError {
    tracing::error!(%error, "the usage database could not be read");
    ApiError::Unavailable(
        "The server could not read its usage record; ask whoever runs it to check the data directory.".into(),
    )
}

/// "Alice's", "James'" — names as people write them.
#[allow(clippy::disallowed_methods, reason = "server code: not in the wasm")]
fn possessive(name: &str) -> String {
    let mut chars = name.chars();
    let capitalised: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
    if capitalised.ends_with('s') {
        format!("{capitalised}'")
    } else {
        format!("{capitalised}'s")
    }
}

fn session_id() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One cookie's value from the `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// The `Set-Cookie` value for a session (or, with `None`, one that ends it).
pub fn session_cookie(session: Option<&str>, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    match session {
        Some(id) => format!(
            "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
            SESSION_LIFETIME.as_secs()
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn access_with(pairs: &[(&str, &str)]) -> Result<Access, config::AccessConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let settings = config::load(&|name| map.get(name).cloned(), None)?;
        Ok(Access::new(settings, Budgets::in_memory()))
    }

    const TOKEN: &str = "team-token-0123456789";

    #[test]
    fn callers_are_known_by_bearer_session_or_trusted_header() -> Result<(), Box<dyn std::error::Error>> {
        let access = access_with(&[
            ("PICSCRIBE_ACCESS_TOKEN", TOKEN),
            ("PICSCRIBE_TRUSTED_USER_HEADER", "Remote-User"),
            ("PICSCRIBE_TRUSTED_PROXIES", "10.0.0.0/8"),
        ])?;
        let headers = |pairs: &[(&'static str, &str)]| -> Result<HeaderMap, Box<dyn std::error::Error>> {
            let mut map = HeaderMap::new();
            for (k, v) in pairs {
                map.append(*k, HeaderValue::from_str(v)?);
            }
            Ok(map)
        };
        let proxy = "10.0.0.5".parse().ok();
        let stranger = "192.0.2.7".parse().ok();

        assert!(access.identify(&headers(&[])?, stranger).is_none(), "nobody");
        assert!(access.identify(&headers(&[("authorization", "Bearer wrong-token-000000")])?, stranger).is_none());
        let bearer = access.identify(&headers(&[("authorization", &format!("Bearer {TOKEN}"))])?, stranger);
        assert_eq!(bearer.map(|c| (c.user.name.clone(), c.via)), Some(("team".into(), Via::Bearer)));

        let (_, session) = access.sign_in(TOKEN).ok_or("sign in")?;
        let cookie = format!("other=1; {SESSION_COOKIE}={session}");
        let signed_in = access.identify(&headers(&[("cookie", &cookie)])?, stranger);
        assert_eq!(signed_in.map(|c| c.user.name.clone()), Some("team".into()));
        access.sign_out(&session);
        assert!(access.identify(&headers(&[("cookie", &cookie)])?, stranger).is_none(), "signed out");
        assert!(access.sign_in("team-token-012345678").is_none(), "a near miss is a miss");

        let vouched = headers(&[("remote-user", "carol")])?;
        assert_eq!(
            access.identify(&vouched, proxy).map(|c| (c.user.name.clone(), c.via)),
            Some(("carol".into(), Via::Proxy))
        );
        assert!(access.identify(&vouched, stranger).is_none(), "the header is ignored from anyone else");
        Ok(())
    }

    #[test]
    fn a_loopback_install_lets_everyone_in_as_the_local_user() -> Result<(), Box<dyn std::error::Error>> {
        let access = access_with(&[])?;
        let caller = access.identify(&HeaderMap::new(), None).ok_or("open")?;
        assert_eq!((caller.user.name.as_str(), caller.via), ("local", Via::Open));
        Ok(())
    }

    #[test]
    fn slots_run_out_per_user_and_per_server() -> Result<(), Box<dyn std::error::Error>> {
        let access = access_with(&[("PICSCRIBE_MAX_IN_FLIGHT", "3")])?;
        let mut alice = User::unlisted("alice");
        alice.max_parallel = 2;
        let alice = Caller { user: Arc::new(alice), via: Via::Bearer };
        let bob = Caller { user: Arc::new(User::unlisted("bob")), via: Via::Bearer };
        let first = access.admit(&alice)?;
        let _second = access.admit(&alice)?;
        assert!(matches!(access.admit(&alice), Err(ApiError::TooMany(_))));
        let _third = access.admit(&bob)?;
        assert!(matches!(access.admit(&bob), Err(ApiError::Unavailable(_))), "the server is full");
        drop(first);
        assert!(access.admit(&alice).is_ok(), "a finished call frees its slots");
        Ok(())
    }

    #[test]
    fn cookies_say_what_they_should() {
        let on = session_cookie(Some("abc"), true);
        assert!(on.starts_with("picscribe_session=abc; ") && on.contains("HttpOnly") && on.contains("SameSite=Strict"));
        assert!(on.ends_with("; Secure"));
        assert!(session_cookie(None, false).contains("Max-Age=0"));
        assert_eq!(possessive("alice"), "Alice's");
        assert_eq!(possessive("james"), "James'");
    }
}
