//! Budgets that hold when calls run together: every call holds its expected tokens against
//! its caller's and the server's budgets from the moment it starts, and gives them back
//! when it ends, as the tokens it reported are recorded. A call starts only while what is
//! spent and held is under the budget, so calls started together end within one call's
//! estimate of it. A batch sent from the page holds its whole estimate in the database
//! (`batches.reserved`) until its results are charged.

use std::collections::HashMap;
use std::time::SystemTime;

use super::budget::{self, Spent};
use super::{budget_unreadable, Access, Caller};
use crate::error::ApiError;

/// Tokens held for calls under way.
#[derive(Debug, Default)]
pub struct Held {
    by_user: HashMap<String, u64>,
    all: u64,
}

/// One call's hold on the budgets, until it is settled (or dropped, which gives it back).
pub struct Reservation {
    access: Access,
    user: String,
    tokens: u64,
    settled: bool,
}

fn plus(spent: Spent, held: u64) -> Spent {
    Spent { day: spent.day + held, month: spent.month + held }
}

impl Access {
    /// Holds `tokens` for one call, or refuses it with the sentence to show when what is
    /// spent and held already reaches a budget.
    pub async fn reserve(&self, caller: &Caller, tokens: u64) -> Result<Reservation, ApiError> {
        let access = self.clone();
        let caller = caller.clone();
        tokio::task::spawn_blocking(move || access.reserve_now(&caller, tokens))
            .await
            .map_err(|_| ApiError::Transport("The usage record could not be read.".into()))?
    }

    /// Reads and holds under one lock, so two calls cannot both take the last of a budget.
    fn reserve_now(&self, caller: &Caller, tokens: u64) -> Result<Reservation, ApiError> {
        let now = SystemTime::now();
        let name = &caller.user.name;
        let mut held = self.inner.held.lock().map_err(|_| ApiError::Transport("Busy.".into()))?;
        let budgets = &self.inner.budgets;
        let mine = budgets.spent(name, now).map_err(budget_unreadable)?;
        let all = budgets.spent_by_all(now).map_err(budget_unreadable)?;
        let mine_held = held.by_user.get(name).copied().unwrap_or(0);
        let user = &caller.user;
        budget::check(&self.whose(caller), user.daily_token_budget, user.monthly_token_budget, plus(mine, mine_held))?;
        let settings = &self.inner.settings;
        budget::check(
            "This server's",
            settings.daily_token_budget,
            settings.monthly_token_budget,
            plus(all, held.all),
        )?;
        *held.by_user.entry(name.clone()).or_default() += tokens;
        held.all += tokens;
        Ok(Reservation { access: self.clone(), user: name.clone(), tokens, settled: false })
    }

    /// What is held for calls under way: the user's, and everyone's.
    pub fn held(&self, user: &str) -> (u64, u64) {
        self.inner.held.lock().map_or((0, 0), |held| (held.by_user.get(user).copied().unwrap_or(0), held.all))
    }

    fn release(&self, user: &str, tokens: u64) {
        if let Ok(mut held) = self.inner.held.lock() {
            if let Some(mine) = held.by_user.get_mut(user) {
                *mine = mine.saturating_sub(tokens);
                if *mine == 0 {
                    held.by_user.remove(user);
                }
            }
            held.all = held.all.saturating_sub(tokens);
        }
    }
}

impl Reservation {
    /// Ends the call: the tokens it reported are recorded, then its hold is given back
    /// (in that order, so no other call sees neither). Off the async threads.
    pub fn settle(mut self, used: u64) {
        self.finish(used);
    }

    fn finish(&mut self, used: u64) {
        if std::mem::replace(&mut self.settled, true) {
            return;
        }
        let (access, user, tokens) = (self.access.clone(), self.user.clone(), self.tokens);
        let write = move || {
            if used > 0 {
                if let Err(error) = access.inner.budgets.record(&user, used, SystemTime::now()) {
                    tracing::error!(%error, %user, used, "could not record token usage");
                }
            }
            access.release(&user, tokens);
        };
        // Called from a drop, which may (rarely) run outside the runtime: then write here.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(write)),
            Err(_) => write(),
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.finish(0);
    }
}
