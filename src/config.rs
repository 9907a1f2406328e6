//! Configuration read once at start-up from the environment.

use std::fmt;

/// Where the caller's identity may come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthMode {
    /// Only the API Gateway authorizer's identity counts; none means 401. The default.
    Jwt,
    /// For local runs: the authorizer, else the `x-user-id` header, else `DEV_USER_ID`.
    Dev,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub auth_mode: AuthMode,
    /// The caller in `dev` mode when a request names nobody (the seed's logged-in user).
    pub dev_user_id: String,
    /// Browser origins allowed to call the API (`CORS_ALLOW_ORIGINS`).
    pub cors_origins: CorsOrigins,
    /// `TABLE_NAME`: the DynamoDB table to keep availability in. Unset: in memory, per process.
    pub table_name: Option<String>,
    /// `PUBLIC_WRITES_PER_MINUTE`: bookings and manage writes one client address may make on
    /// the open routes per minute, counted in the store (so across instances). Default 20.
    pub public_writes_per_minute: u64,
    /// `PAGE_FRAME_ANCESTORS`: who may show the booking pages in a frame, as the CSP
    /// `frame-ancestors` sources (e.g. `https://www.example.com`). Default `'none'`.
    pub page_frame_ancestors: String,
    /// `OUTBOUND_ALLOW_LOCAL=true`: requests to user-given URLs (calendars, webhooks) may also
    /// use `http` and reach loopback and private addresses. For local tests only; the deployed
    /// template never sets it. Default `false`.
    pub outbound_allow_local: bool,
    /// The KMS key (id, ARN or alias) that seals secrets such as CalDAV passwords
    /// (`SECRETS_KEY_ID`; see `crate::secrets`).
    pub secrets_key_id: Option<String>,
}

pub const DEFAULT_PUBLIC_WRITES_PER_MINUTE: u64 = 20;
pub const DEFAULT_PAGE_FRAME_ANCESTORS: &str = "'none'";

/// `PAGE_FRAME_ANCESTORS` read: space-separated CSP sources (`'none'`, `'self'`, a scheme such as
/// `https:`, or an origin with an optional `*.` and port), so no value can end the directive and
/// add another to the policy.
fn page_frame_ancestors(setting: Option<&str>) -> Result<String, ConfigError> {
    let text = setting.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Ok(DEFAULT_PAGE_FRAME_ANCESTORS.to_owned());
    }
    let source_ok = |source: &str| {
        matches!(source, "'none'" | "'self'")
            || (!source.starts_with('\'')
                && source
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || b".-*:/_".contains(&byte)))
    };
    let sources: Vec<&str> = text.split_ascii_whitespace().collect();
    if sources.len() > 20 || !sources.iter().all(|source| source_ok(source)) {
        return Err(ConfigError(format!(
            "PAGE_FRAME_ANCESTORS must be CSP frame-ancestors sources separated by spaces ('none', 'self', https://example.com, ...), not `{text}`"
        )));
    }
    if sources.len() > 1 && sources.contains(&"'none'") {
        return Err(ConfigError(
            "PAGE_FRAME_ANCESTORS: 'none' stands alone".into(),
        ));
    }
    Ok(sources.join(" "))
}

/// Which origins may call the API from a browser, from `CORS_ALLOW_ORIGINS`: a comma-separated
/// list of origins, `*` for any, or unset/empty for none (no CORS headers at all).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum CorsOrigins {
    #[default]
    None,
    Any,
    List(Vec<String>),
}

impl CorsOrigins {
    pub fn parse(setting: Option<&str>) -> Self {
        let origins: Vec<String> = setting
            .unwrap_or_default()
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect();
        if origins.iter().any(|o| o == "*") {
            CorsOrigins::Any
        } else if origins.is_empty() {
            CorsOrigins::None
        } else {
            CorsOrigins::List(origins)
        }
    }
}

pub const DEFAULT_DEV_USER_ID: &str = "user123";

#[derive(Debug)]
pub struct ConfigError(String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the variables through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let auth_mode = match lookup("AUTH_MODE").as_deref().map(str::trim) {
            None | Some("") | Some("jwt") => AuthMode::Jwt,
            Some("dev") => AuthMode::Dev,
            Some(other) => {
                return Err(ConfigError(format!(
                    "AUTH_MODE must be `jwt` or `dev`, not `{other}`"
                )));
            }
        };
        let dev_user_id = lookup("DEV_USER_ID")
            .filter(|id| !id.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_DEV_USER_ID.to_owned());
        // Falling back to per-instance memory would lose data silently, so a table that was
        // meant but cannot be used stops start-up instead.
        let table_name = match lookup("TABLE_NAME") {
            None => None,
            Some(name) if name.trim().is_empty() => {
                return Err(ConfigError("TABLE_NAME is set but empty".into()));
            }
            Some(_) if !cfg!(feature = "dynamodb") => {
                return Err(ConfigError(
                    "TABLE_NAME is set, but this build has no DynamoDB store (build it with `--features dynamodb`)".into(),
                ));
            }
            Some(name) => Some(name.trim().to_owned()),
        };
        let cors_origins = CorsOrigins::parse(lookup("CORS_ALLOW_ORIGINS").as_deref());
        let public_writes_per_minute = match lookup("PUBLIC_WRITES_PER_MINUTE") {
            None => DEFAULT_PUBLIC_WRITES_PER_MINUTE,
            Some(text) => match text.trim().parse::<u64>() {
                Ok(limit) if limit > 0 => limit,
                _ => {
                    return Err(ConfigError(format!(
                        "PUBLIC_WRITES_PER_MINUTE must be a whole number above 0, not `{text}`"
                    )));
                }
            },
        };
        let page_frame_ancestors = page_frame_ancestors(lookup("PAGE_FRAME_ANCESTORS").as_deref())?;
        let outbound_allow_local = match lookup("OUTBOUND_ALLOW_LOCAL").as_deref().map(str::trim) {
            None | Some("") | Some("false") => false,
            Some("true") => true,
            Some(other) => {
                return Err(ConfigError(format!(
                    "OUTBOUND_ALLOW_LOCAL must be `true` or `false`, not `{other}`"
                )));
            }
        };
        let secrets_key_id = match lookup("SECRETS_KEY_ID") {
            None => None,
            Some(key) if key.trim().is_empty() => None,
            Some(_) if !cfg!(feature = "dynamodb") => {
                return Err(ConfigError(
                    "SECRETS_KEY_ID is set, but this build has no KMS client (build it with `--features dynamodb`)".into(),
                ));
            }
            Some(key) => Some(key.trim().to_owned()),
        };
        Ok(Config {
            auth_mode,
            dev_user_id,
            cors_origins,
            table_name,
            public_writes_per_minute,
            page_frame_ancestors,
            outbound_allow_local,
            secrets_key_id,
        })
    }

    pub fn dev() -> Self {
        Config {
            auth_mode: AuthMode::Dev,
            dev_user_id: DEFAULT_DEV_USER_ID.to_owned(),
            cors_origins: CorsOrigins::None,
            table_name: None,
            public_writes_per_minute: DEFAULT_PUBLIC_WRITES_PER_MINUTE,
            page_frame_ancestors: DEFAULT_PAGE_FRAME_ANCESTORS.to_owned(),
            outbound_allow_local: false,
            secrets_key_id: None,
        }
    }

    pub fn jwt() -> Self {
        Config {
            auth_mode: AuthMode::Jwt,
            dev_user_id: DEFAULT_DEV_USER_ID.to_owned(),
            cors_origins: CorsOrigins::None,
            table_name: None,
            public_writes_per_minute: DEFAULT_PUBLIC_WRITES_PER_MINUTE,
            page_frame_ancestors: DEFAULT_PAGE_FRAME_ANCESTORS.to_owned(),
            outbound_allow_local: false,
            secrets_key_id: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_is_the_default_and_unknown_modes_stop_start_up() {
        let unset = Config::from_lookup(|_| None).expect("defaults are valid");
        assert_eq!(unset.auth_mode, AuthMode::Jwt);
        assert_eq!(unset.dev_user_id, "user123");
        let dev = Config::from_lookup(|name| (name == "AUTH_MODE").then(|| "dev".into()))
            .expect("dev is valid");
        assert_eq!(dev.auth_mode, AuthMode::Dev);
        assert!(Config::from_lookup(|_| Some("open".into())).is_err());
    }

    #[test]
    fn table_name_picks_dynamodb_only_in_builds_that_have_it() {
        assert_eq!(
            Config::from_lookup(|_| None).expect("valid").table_name,
            None
        );
        let with_table = Config::from_lookup(|name| (name == "TABLE_NAME").then(|| "avail".into()));
        if cfg!(feature = "dynamodb") {
            assert_eq!(
                with_table.expect("valid").table_name.as_deref(),
                Some("avail")
            );
        } else {
            assert!(with_table.is_err(), "memory must not stand in for a table");
        }
        assert!(Config::from_lookup(|name| (name == "TABLE_NAME").then(|| " ".into())).is_err());
    }

    #[test]
    fn the_setting_reads_lists_any_and_none() {
        assert_eq!(CorsOrigins::parse(None), CorsOrigins::None);
        assert_eq!(CorsOrigins::parse(Some(" ")), CorsOrigins::None);
        assert_eq!(
            CorsOrigins::parse(Some("https://a.example, *")),
            CorsOrigins::Any
        );
        assert_eq!(
            CorsOrigins::parse(Some("https://a.example/, https://b.example")),
            CorsOrigins::List(vec!["https://a.example".into(), "https://b.example".into()])
        );
    }

    #[test]
    fn frame_ancestors_default_to_none_and_take_only_sources() {
        let read = |value: &str| {
            Config::from_lookup(|name| (name == "PAGE_FRAME_ANCESTORS").then(|| value.into()))
                .map(|config| config.page_frame_ancestors)
        };
        assert_eq!(read("").expect("default"), "'none'");
        assert_eq!(
            read(" 'self'   https://www.example.com https://*.example.org:8443 ").expect("valid"),
            "'self' https://www.example.com https://*.example.org:8443"
        );
        for bad in [
            "'none'; script-src *",
            "https://a.example,https://b.example",
            "'unsafe-inline'",
            "'none' https://a.example",
            "https://a.example;x",
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }
}
