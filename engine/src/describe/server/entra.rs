//! Azure without a key: Microsoft Entra ID tokens through the kept `azure_identity` crate.
//! Which credential is the environment's: a managed identity on App Service
//! (`IDENTITY_ENDPOINT` + `IDENTITY_HEADER`), workload identity on Kubernetes
//! (`AZURE_FEDERATED_TOKEN_FILE`), the Azure CLI where `az` is installed, else the VM's
//! managed identity (IMDS); `PICSCRIBE_AZURE_CREDENTIAL` names one outright. The crate keeps
//! the token and fetches a new one five minutes before it expires; the token itself never
//! leaves this module but as a header marked sensitive.

use std::fmt;
use std::sync::Arc;

use azure_core::credentials::TokenCredential;
use azure_identity::{AzureCliCredential, ManagedIdentityCredential, WorkloadIdentityCredential};

use super::provider::ProviderError;

/// What every Azure AI service (OpenAI and Vision alike) takes a token for.
pub const SCOPE: &str = "https://cognitiveservices.azure.com/.default";

/// Which of the environment's credentials is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    AppService,
    Workload,
    AzureCli,
    Imds,
}

impl Source {
    /// The credential a process with these variables (and `az` on its PATH or not) has.
    pub fn pick(var: &dyn Fn(&str) -> Option<String>, has_az: bool) -> Result<Source, String> {
        let set = |name: &str| var(name).is_some_and(|v| !v.trim().is_empty());
        match var("PICSCRIBE_AZURE_CREDENTIAL").map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            Some("managed-identity") if set("IDENTITY_ENDPOINT") => Ok(Source::AppService),
            Some("managed-identity") => Ok(Source::Imds),
            Some("workload-identity") => Ok(Source::Workload),
            Some("azure-cli") => Ok(Source::AzureCli),
            Some("" | "auto") | None => Ok(if set("IDENTITY_ENDPOINT") && set("IDENTITY_HEADER") {
                Source::AppService
            } else if set("AZURE_FEDERATED_TOKEN_FILE") {
                Source::Workload
            } else if has_az {
                Source::AzureCli
            } else {
                Source::Imds
            }),
            Some(other) => Err(format!(
                "PICSCRIBE_AZURE_CREDENTIAL is “{other}”: use managed-identity, workload-identity, azure-cli or auto"
            )),
        }
    }

    /// The words a sentence uses, and the settings to check.
    pub fn describe(self) -> &'static str {
        match self {
            Source::AppService => "the App Service managed identity (IDENTITY_ENDPOINT, IDENTITY_HEADER)",
            Source::Workload => "workload identity (AZURE_FEDERATED_TOKEN_FILE, AZURE_TENANT_ID, AZURE_CLIENT_ID)",
            Source::AzureCli => "the Azure CLI (run `az login`)",
            Source::Imds => "the virtual machine's managed identity (IMDS)",
        }
    }
}

/// A way to have tokens for [`SCOPE`].
#[derive(Clone)]
pub struct Entra {
    credential: Arc<dyn TokenCredential>,
    pub source: Source,
}

/// Nothing of the token through `{:?}`.
impl fmt::Debug for Entra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Entra").field("source", &self.source).finish_non_exhaustive()
    }
}

impl Entra {
    /// The credential of this process's environment.
    pub fn from_env() -> Result<Entra, String> {
        let var = |name: &str| std::env::var(name).ok();
        let source = Source::pick(&var, on_path("az"))?;
        let credential: Arc<dyn TokenCredential> = match source {
            Source::AppService | Source::Imds => ManagedIdentityCredential::new(None).map(|c| c as _),
            Source::Workload => WorkloadIdentityCredential::new(None).map(|c| c as _),
            Source::AzureCli => AzureCliCredential::new(None).map(|c| c as _),
        }
        .map_err(|err| format!("{} could not be set up: {err}", source.describe()))?;
        Ok(Entra { credential, source })
    }

    /// A token for the request's `Authorization: Bearer` header: the one kept, or a new one
    /// when it expires within five minutes.
    pub async fn token(&self) -> Result<String, ProviderError> {
        match self.credential.get_token(&[SCOPE], None).await {
            Ok(token) => Ok(token.token.secret().to_string()),
            Err(err) => {
                // The crate's errors name the endpoint and the status, never a token.
                tracing::warn!(source = ?self.source, error = %err, "no Microsoft Entra ID token");
                Err(ProviderError::NoToken)
            }
        }
    }

    /// Asks for a token once, at start-up: a sentence naming what to check when none comes.
    pub async fn check(&self, label: &str, key_setting: &str) -> Result<(), String> {
        match self.credential.get_token(&[SCOPE], None).await {
            Ok(_) => {
                tracing::info!(provider = label, source = ?self.source, "signed in with Microsoft Entra ID");
                Ok(())
            }
            Err(err) => Err(format!(
                "{label} has no key ({key_setting}) and picscribe could not sign in with Microsoft Entra ID \
                 through {}: {err}. Set {key_setting}, or check that setting and the identity's role \
                 (Cognitive Services OpenAI User or Cognitive Services User).",
                self.source.describe()
            )),
        }
    }
}

fn on_path(program: &str) -> bool {
    std::env::var_os("PATH").is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join(program).is_file()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_environment_picks_the_credential() {
        type Case<'a> = (&'a [(&'a str, &'a str)], bool, Result<Source, ()>);
        let cases: [Case; 8] = [
            (
                &[("IDENTITY_ENDPOINT", "http://127.0.0.1:41/msi/token"), ("IDENTITY_HEADER", "h")],
                true,
                Ok(Source::AppService),
            ),
            (&[("IDENTITY_ENDPOINT", "http://127.0.0.1:41/msi/token")], false, Ok(Source::Imds)),
            (&[("AZURE_FEDERATED_TOKEN_FILE", "/var/run/token")], true, Ok(Source::Workload)),
            (&[], true, Ok(Source::AzureCli)),
            (&[], false, Ok(Source::Imds)),
            (&[("PICSCRIBE_AZURE_CREDENTIAL", "azure-cli")], false, Ok(Source::AzureCli)),
            (&[("PICSCRIBE_AZURE_CREDENTIAL", "managed-identity")], true, Ok(Source::Imds)),
            (&[("PICSCRIBE_AZURE_CREDENTIAL", "password")], true, Err(())),
        ];
        for (vars, has_az, want) in cases {
            let var = |name: &str| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string());
            assert_eq!(Source::pick(&var, has_az).map_err(|_| ()), want, "{vars:?} az={has_az}");
        }
    }
}
