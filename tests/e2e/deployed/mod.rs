//! The function as deployed, not only as tested: the release binary (the `bootstrap` that
//! `sam build` makes, or the same build from cargo) behind local stand-ins for the Lambda
//! service and the HTTP API that template.yaml declares, enforcing what production enforces:
//! the template's routes and JWT authorizer, Lambda's 6,291,556-byte payload limit each way,
//! the function's `MemorySize` and `Timeout`. Every scenario runs with the in-memory store and
//! with the DynamoDB store on moto (when `AWS_ENDPOINT_URL` is set); see `fixture` for the
//! environment variables that choose the binary, a runner (qemu-user) and the template.

/// Declares `NAME::in_memory` and `NAME::on_dynamodb`, each running `fn NAME(&mut Deployed)`
/// against its own deployment. Attributes (such as `#[ignore = "..."]`) apply to both.
macro_rules! on_both_stores {
    ($(#[$attribute:meta])* $name:ident) => {
        pub(crate) mod $name {
            use $crate::deployed::fixture::{Deployed, Store};

            #[test]
            $(#[$attribute])*
            fn in_memory() {
                if let Some(mut deployed) = Deployed::start(Store::Memory, stringify!($name)) {
                    super::$name(&mut deployed);
                }
            }

            #[test]
            $(#[$attribute])*
            fn on_dynamodb() {
                if let Some(mut deployed) = Deployed::start(Store::DynamoDb, stringify!($name)) {
                    super::$name(&mut deployed);
                }
            }
        }
    };
}

mod background;
mod bounded_requests;
mod calendar_sync;
mod client_flow;
mod events_replay;
mod fixture;
mod gateway;
mod harness;
mod hostile;
mod http1;
mod invitee_flow;
mod lambda;
mod month_ends;
mod moto;
mod notifier;
mod observability;
mod routes;
mod runtime_api;
mod secrets;
pub(crate) mod template;
mod worst_case;
