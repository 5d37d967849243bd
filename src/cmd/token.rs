//! `jobcast token`: prints a token signed with the configured HS256 secret
//! (the generated development secret when none is configured).

use std::time::Duration;

use anyhow::{bail, Context};
use clap::Args;
use jobcast_server::auth::{Authenticator, Role};

use super::{load_config, ConfigFlags};

#[derive(Debug, Clone, Args)]
pub struct TokenArgs {
    /// The user id (`sub`).
    #[arg(long)]
    pub user: String,
    /// user, admin or worker.
    #[arg(long, default_value = "user")]
    pub role: String,
    /// How long the token is valid: 90s, 30m, 24h, 7d.
    #[arg(long, default_value = "24h")]
    pub ttl: String,
    #[command(flatten)]
    pub config: ConfigFlags,
}

pub async fn run(args: TokenArgs) -> anyhow::Result<()> {
    let role = match args.role.as_str() {
        "user" => Role::User,
        "admin" => Role::Admin,
        "worker" => Role::Worker,
        other => bail!("unknown role {other:?}: expected user, admin or worker"),
    };
    if args.user.trim().is_empty() {
        bail!("--user must not be empty");
    }
    let ttl = parse_ttl(&args.ttl)?;
    let config = load_config(&args.config)?;
    let auth = Authenticator::load(&config)?;
    let token = auth.mint(args.user.trim(), role, ttl)?;
    println!("{token}");
    Ok(())
}

fn parse_ttl(text: &str) -> anyhow::Result<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number
        .parse()
        .with_context(|| format!("bad --ttl {text:?}: expected e.g. 90s, 30m, 24h, 7d"))?;
    let seconds = match unit {
        "s" | "" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => bail!("bad --ttl {text:?}: the unit must be s, m, h or d"),
    };
    if seconds == 0 {
        bail!("--ttl must be more than zero");
    }
    Ok(Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::parse_ttl;

    #[test]
    fn reads_durations() {
        assert_eq!(
            parse_ttl("90s").ok(),
            Some(std::time::Duration::from_secs(90))
        );
        assert_eq!(
            parse_ttl("24h").ok(),
            Some(std::time::Duration::from_secs(86_400))
        );
        assert!(parse_ttl("0h").is_err());
        assert!(parse_ttl("5y").is_err());
        assert!(parse_ttl("").is_err());
    }
}
