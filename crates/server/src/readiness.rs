//! Readiness: whether this instance can do its work right now — the database
//! answers and, in a cluster, Redis answers. Checked by `GET /readyz`.

use std::sync::Arc;
use std::time::Duration;

use jobcast_core::Store;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub struct Readiness {
    store: Arc<dyn Store>,
    redis: Option<RedisTarget>,
}

#[derive(Debug, Clone, PartialEq)]
struct RedisTarget {
    host: String,
    port: u16,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub ready: bool,
    pub checks: Vec<Check>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

impl Readiness {
    pub fn new(store: Arc<dyn Store>, redis_url: Option<&str>) -> Self {
        Readiness {
            store,
            redis: redis_url.and_then(parse_redis_url),
        }
    }

    pub async fn check(&self) -> Report {
        let mut checks = Vec::new();
        let db = tokio::time::timeout(CHECK_TIMEOUT, self.store.ping()).await;
        checks.push(match db {
            Ok(Ok(())) => Check {
                name: "database",
                ok: true,
                detail: self.store.backend().to_string(),
            },
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "readiness: database");
                Check {
                    name: "database",
                    ok: false,
                    detail: format!("{} does not answer", self.store.backend()),
                }
            }
            Err(_) => Check {
                name: "database",
                ok: false,
                detail: "timed out".into(),
            },
        });
        if let Some(redis) = &self.redis {
            let ok = matches!(
                tokio::time::timeout(CHECK_TIMEOUT, ping_redis(redis)).await,
                Ok(Ok(true))
            );
            checks.push(Check {
                name: "redis",
                ok,
                detail: if ok {
                    "PONG".into()
                } else {
                    "does not answer".into()
                },
            });
        }
        Report {
            ready: checks.iter().all(|c| c.ok),
            checks,
        }
    }
}

/// `redis://[user:pass@]host[:port][/db]` → host and port. Credentials are not
/// needed for PING on a server without ACLs; with ACLs Redis answers NOAUTH,
/// which still proves it is reachable and is counted as up.
fn parse_redis_url(url: &str) -> Option<RedisTarget> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?.trim_matches(['[', ']']).to_string();
    Some(RedisTarget {
        host,
        port: parsed.port().unwrap_or(6379),
    })
}

async fn ping_redis(target: &RedisTarget) -> std::io::Result<bool> {
    let mut stream = TcpStream::connect((target.host.as_str(), target.port)).await?;
    stream.write_all(b"*1\r\n$4\r\nPING\r\n").await?;
    let mut reply = [0u8; 64];
    let n = stream.read(&mut reply).await?;
    let reply = &reply[..n];
    Ok(reply.starts_with(b"+PONG") || reply.starts_with(b"-NOAUTH"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_host_and_port() {
        assert_eq!(
            parse_redis_url("redis://:pw@127.0.0.1:6380/2"),
            Some(RedisTarget {
                host: "127.0.0.1".into(),
                port: 6380
            })
        );
        assert_eq!(
            parse_redis_url("redis://[::1]").map(|t| (t.host, t.port)),
            Some(("::1".into(), 6379))
        );
    }
}
