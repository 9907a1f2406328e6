//! Every store against one behavioural suite: `MemoryStore` always, `DynamoDbStore` on a local
//! moto server with `--features dynamodb`.

mod contract;
#[cfg(feature = "dynamodb")]
mod helpers;
#[cfg(feature = "dynamodb")]
#[path = "../shared/moto.rs"]
mod moto;
