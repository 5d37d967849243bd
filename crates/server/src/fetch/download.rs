//! The HTTP client of URL jobs: built so that it cannot get around the
//! guard (no proxy, the guarded resolver, every redirect checked), and a
//! download bounded in time and size — refused on an announced length over
//! the limit, stopped as soon as the streamed body passes it.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::filename::{disposition_filename, url_filename};
use super::guard::{check_target, parse_url, GuardedResolver};
use super::policy::{Allowlist, FetchPolicy};
use super::{FetchError, Fetched};

/// How many redirects a download may follow.
pub const MAX_REDIRECTS: usize = 5;

/// Downloads URLs under a [`FetchPolicy`]. Cheap to clone; share one.
#[derive(Clone)]
pub struct UrlFetcher {
    client: reqwest::Client,
    allow: Arc<Allowlist>,
    policy: FetchPolicy,
}

impl fmt::Debug for UrlFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UrlFetcher")
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

impl UrlFetcher {
    pub fn new(policy: FetchPolicy) -> Result<UrlFetcher, FetchError> {
        let allow = Arc::new(Allowlist::parse(&policy.allowlist)?);
        let redirect_allow = Arc::clone(&allow);
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() > MAX_REDIRECTS {
                let error = FetchError::Network(format!("stopped after {MAX_REDIRECTS} redirects"));
                return attempt.error(error);
            }
            match check_target(&redirect_allow, attempt.url()) {
                Ok(()) => attempt.follow(),
                Err(error) => attempt.error(error),
            }
        });
        let client = reqwest::Client::builder()
            // A proxy would resolve and connect on our behalf, past the checks.
            .no_proxy()
            .dns_resolver(Arc::new(GuardedResolver {
                allow: Arc::clone(&allow),
            }))
            .redirect(redirects)
            .timeout(policy.timeout)
            .connect_timeout(policy.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("jobcast/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| FetchError::Network(format!("cannot build the HTTP client: {e}")))?;
        Ok(UrlFetcher {
            client,
            allow,
            policy,
        })
    }

    pub fn policy(&self) -> &FetchPolicy {
        &self.policy
    }

    /// Downloads `url` (http or https), following at most [`MAX_REDIRECTS`]
    /// redirects, each checked like the first URL.
    pub async fn fetch(&self, url: &str) -> Result<Fetched, FetchError> {
        let url = parse_url(url)?;
        check_target(&self.allow, &url)?;
        tracing::debug!(host = url.host_str().unwrap_or(""), "fetching a URL input");
        match tokio::time::timeout(self.policy.timeout, self.download(url)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(FetchError::Timeout),
        }
    }

    async fn download(&self, url: Url) -> Result<Fetched, FetchError> {
        let mut response = self.client.get(url).send().await.map_err(from_reqwest)?;
        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        let limit = self.policy.max_bytes;
        let announced = response.content_length().or_else(|| {
            response
                .headers()
                .get(reqwest::header::CONTENT_LENGTH)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.trim().parse::<u64>().ok())
        });
        if announced.is_some_and(|length| length > limit) {
            return Err(FetchError::TooLarge { limit });
        }
        let filename = response
            .headers()
            .get(reqwest::header::CONTENT_DISPOSITION)
            .and_then(|value| value.to_str().ok())
            .and_then(disposition_filename)
            .or_else(|| url_filename(response.url()));

        let capacity = announced.unwrap_or(0).min(limit).min(16 * 1024 * 1024);
        let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        while let Some(chunk) = response.chunk().await.map_err(from_reqwest)? {
            let total = u64::try_from(bytes.len() + chunk.len()).unwrap_or(u64::MAX);
            if total > limit {
                return Err(FetchError::TooLarge { limit });
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Fetched { bytes, filename })
    }
}

/// Turns a client error into ours: a [`FetchError`] raised by the resolver
/// or the redirect policy is found in the error's sources; the message of
/// anything else leaves the URL out.
fn from_reqwest(error: reqwest::Error) -> FetchError {
    let mut innermost: Option<String> = None;
    let mut source: Option<&(dyn StdError + 'static)> = error.source();
    while let Some(cause) = source {
        if let Some(ours) = cause.downcast_ref::<FetchError>() {
            return ours.clone();
        }
        innermost = Some(cause.to_string());
        source = cause.source();
    }
    if error.is_timeout() {
        return FetchError::Timeout;
    }
    let top = error.without_url().to_string();
    match innermost {
        Some(cause) if cause != top => FetchError::Network(format!("{top}: {cause}")),
        _ => FetchError::Network(top),
    }
}
