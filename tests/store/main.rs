//! Every store against one behavioural suite: `MemoryStore` always, `DynamoDbStore` on a local
//! moto server with `--features dynamodb`; and below the trait, DynamoDB writes whose answer is
//! lost on the way back.

mod contract;
#[cfg(feature = "dynamodb")]
mod helpers;
#[cfg(feature = "dynamodb")]
#[path = "../shared/moto.rs"]
mod moto;
#[cfg(feature = "dynamodb")]
mod retried_writes;
