//! What a handler is given: the request, the parameters its path template names, and who
//! calls. The route table (`routes`) builds it; handlers read it.

use super::app::Handled;
use lambda_http::Request;
use std::future::Future;
use std::pin::Pin;

/// A handler's answer, still to be awaited.
pub(super) type Reply<'a> = Pin<Box<dyn Future<Output = Handled> + Send + 'a>>;

/// A request on its way to a handler: the request, the parameters its path template names,
/// and who calls (a [`UserId`](crate::domain::UserId) on the routes that act for one, `()` on the open ones).
pub(crate) struct Call<'a, C> {
    pub(crate) request: &'a Request,
    pub(crate) caller: C,
    parameters: Vec<(&'static str, String)>,
}

impl<'a, C> Call<'a, C> {
    pub(super) fn new(
        request: &'a Request,
        caller: C,
        parameters: Vec<(&'static str, String)>,
    ) -> Self {
        Self {
            request,
            caller,
            parameters,
        }
    }

    /// The decoded value of the path parameter `{name}`, when the matched template names it.
    pub(crate) fn parameter(&self, name: &str) -> Option<&str> {
        self.parameters
            .iter()
            .find(|(key, _)| *key == name)
            .map(|(_, value)| value.as_str())
    }
}
