//! availability-api: a scheduling API served as an AWS Lambda function.

pub mod domain;
