//! What template.yaml deploys, read the way SAM reads it: the function's memory, timeout and
//! environment, the HTTP API's route keys and which of them the JWT authorizer guards, and the
//! table's key schema. CloudFormation tags (`!Ref`, `!If`, ...) are kept as tagged values.

use serde_norway::Value;
use std::path::{Path, PathBuf};

/// SAM's defaults when neither the function nor `Globals.Function` sets them.
const SAM_DEFAULT_MEMORY_MB: u64 = 128;
const SAM_DEFAULT_TIMEOUT_S: u64 = 3;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RouteKey {
    /// Upper case, or `ANY`.
    pub(crate) method: String,
    /// As the template writes it, e.g. `/overlap/{user_id_2}`.
    pub(crate) path: String,
    /// Whether the API's JWT authorizer guards the route.
    pub(crate) authorized: bool,
}

impl RouteKey {
    /// `ANY /availability`, as API Gateway names the route in `routeKey`.
    pub(crate) fn name(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A variable of the function's environment: a literal, or a `!Ref` the deployment resolves.
#[derive(Clone, Debug)]
pub(crate) enum EnvValue {
    Literal(String),
    Ref(String),
}

#[derive(Clone, Debug)]
pub(crate) struct Template {
    pub(crate) function_logical_id: String,
    pub(crate) memory_mb: u64,
    pub(crate) timeout_s: u64,
    pub(crate) environment: Vec<(String, EnvValue)>,
    /// `LoggingConfig`: Lambda turns these into AWS_LAMBDA_LOG_FORMAT / AWS_LAMBDA_LOG_LEVEL.
    pub(crate) log_format: Option<String>,
    pub(crate) application_log_level: Option<String>,
    pub(crate) routes: Vec<RouteKey>,
    /// The DynamoDB table's attribute definitions (name, type) and key schema (name, key type).
    pub(crate) table_attributes: Vec<(String, String)>,
    pub(crate) table_keys: Vec<(String, String)>,
    /// The table's `GlobalSecondaryIndexes` as CreateTable takes them (`null` when none).
    pub(crate) table_indexes: serde_json::Value,
    root: Value,
}

pub(crate) fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `DEPLOYED_TEMPLATE` when set (e.g. the copy in a `sam build` tree), else the repository's.
pub(crate) fn template_path() -> PathBuf {
    std::env::var_os("DEPLOYED_TEMPLATE")
        .map(PathBuf::from)
        .unwrap_or_else(|| project_root().join("template.yaml"))
}

/// A tagged scalar (`!Ref X`) or a plain value, without its tag.
fn untagged(value: &Value) -> &Value {
    match value {
        Value::Tagged(tagged) => &tagged.value,
        other => other,
    }
}

fn string(value: &Value) -> Option<String> {
    match untagged(value) {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn number(value: &Value) -> Option<u64> {
    match untagged(value) {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn resources_of_type<'a>(root: &'a Value, kind: &str) -> Vec<(String, &'a Value)> {
    let Some(resources) = root.get("Resources").and_then(Value::as_mapping) else {
        return Vec::new();
    };
    resources
        .iter()
        .filter(|(_, resource)| resource.get("Type").and_then(Value::as_str) == Some(kind))
        .filter_map(|(id, resource)| Some((id.as_str()?.to_owned(), resource)))
        .collect()
}

impl Template {
    pub(crate) fn load() -> Template {
        let path = template_path();
        Self::load_from(&path)
    }

    pub(crate) fn load_from(path: &Path) -> Template {
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let root: Value = serde_norway::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
        // The API's function: the one built from the `availability-api` binary (the crate's
        // other binaries are background functions with no routes).
        let functions: Vec<_> = resources_of_type(&root, "AWS::Serverless::Function")
            .into_iter()
            .filter(|(_, function)| {
                function
                    .get("Metadata")
                    .and_then(|m| m.get("BuildProperties"))
                    .and_then(|b| b.get("Binary"))
                    .and_then(Value::as_str)
                    == Some("availability-api")
            })
            .collect();
        assert_eq!(
            functions.len(),
            1,
            "{} declares exactly one function of the availability-api binary",
            path.display()
        );
        let (function_logical_id, function) = functions[0].clone();
        let properties = &function["Properties"];
        let globals = root.get("Globals").and_then(|g| g.get("Function"));
        let setting = |name: &str| {
            properties
                .get(name)
                .or_else(|| globals.and_then(|g| g.get(name)))
                .and_then(number)
        };
        let memory_mb = setting("MemorySize").unwrap_or(SAM_DEFAULT_MEMORY_MB);
        let timeout_s = setting("Timeout").unwrap_or(SAM_DEFAULT_TIMEOUT_S);

        let mut environment = Vec::new();
        for variables in [
            globals.and_then(|g| g.get("Environment")),
            properties.get("Environment"),
        ]
        .into_iter()
        .flatten()
        .filter_map(|env| env.get("Variables").and_then(Value::as_mapping))
        {
            for (name, value) in variables {
                let Some(name) = name.as_str() else { continue };
                let value = match value {
                    Value::Tagged(tagged) if tagged.tag == "Ref" => {
                        EnvValue::Ref(string(&tagged.value).unwrap_or_default())
                    }
                    other => EnvValue::Literal(string(other).unwrap_or_default()),
                };
                environment.retain(|(existing, _): &(String, EnvValue)| existing != name);
                environment.push((name.to_owned(), value));
            }
        }
        let logging = properties.get("LoggingConfig");
        let log_format = logging.and_then(|l| l.get("LogFormat")).and_then(string);
        let application_log_level = logging
            .and_then(|l| l.get("ApplicationLogLevel"))
            .and_then(string);

        let routes = Self::http_api_routes(&root, properties);

        let tables = resources_of_type(&root, "AWS::DynamoDB::Table");
        let pairs = |list: Option<&Value>, a: &str, b: &str| -> Vec<(String, String)> {
            list.and_then(Value::as_sequence)
                .map(|items| {
                    items
                        .iter()
                        .filter_map(|item| Some((string(item.get(a)?)?, string(item.get(b)?)?)))
                        .collect()
                })
                .unwrap_or_default()
        };
        let table = tables.first().map(|(_, table)| &table["Properties"]);
        let table_attributes = pairs(
            table.and_then(|t| t.get("AttributeDefinitions")),
            "AttributeName",
            "AttributeType",
        );
        let table_keys = pairs(
            table.and_then(|t| t.get("KeySchema")),
            "AttributeName",
            "KeyType",
        );
        let table_indexes = table
            .and_then(|t| t.get("GlobalSecondaryIndexes"))
            .and_then(|indexes| serde_json::to_value(indexes).ok())
            .unwrap_or_default();
        Template {
            function_logical_id,
            memory_mb,
            timeout_s,
            environment,
            log_format,
            application_log_level,
            routes,
            table_attributes,
            table_keys,
            table_indexes,
            root,
        }
    }

    /// Every `HttpApi` event of the function as a route key, with the authorizer that applies:
    /// the event's own `Auth.Authorizer` (`NONE` opens the route), else the API's default.
    fn http_api_routes(root: &Value, properties: &Value) -> Vec<RouteKey> {
        let Some(events) = properties.get("Events").and_then(Value::as_mapping) else {
            return Vec::new();
        };
        let mut routes = Vec::new();
        for event in events.values() {
            if event.get("Type").and_then(Value::as_str) != Some("HttpApi") {
                continue;
            }
            let props = &event["Properties"];
            let method = props
                .get("Method")
                .and_then(string)
                .unwrap_or_else(|| "ANY".into())
                .to_ascii_uppercase();
            let path = props
                .get("Path")
                .and_then(string)
                .unwrap_or_else(|| "/".into());
            let api_default_authorizer = props
                .get("ApiId")
                .and_then(string)
                .and_then(|api| root.get("Resources")?.get(api.as_str()))
                .and_then(|api| api["Properties"].get("Auth")?.get("DefaultAuthorizer"))
                .and_then(string);
            let authorizer = props
                .get("Auth")
                .and_then(|auth| auth.get("Authorizer"))
                .and_then(string)
                .or(api_default_authorizer);
            let authorized = authorizer.is_some_and(|name| name != "NONE");
            routes.push(RouteKey {
                method: if method == "X-AMAZON-APIGATEWAY-ANY-METHOD" {
                    "ANY".into()
                } else {
                    method
                },
                path,
                authorized,
            });
        }
        routes
    }

    /// A parameter's `Default`, as a deployment that does not override it gets.
    pub(crate) fn parameter_default(&self, name: &str) -> Option<String> {
        self.root
            .get("Parameters")?
            .get(name)?
            .get("Default")
            .and_then(string)
    }

    /// The `Type` of a resource, e.g. `AWS::DynamoDB::Table`.
    pub(crate) fn resource_type(&self, logical_id: &str) -> Option<String> {
        self.root
            .get("Resources")?
            .get(logical_id)?
            .get("Type")
            .and_then(string)
    }

    pub(crate) fn memory_bytes(&self) -> u64 {
        self.memory_mb * 1024 * 1024
    }
}
