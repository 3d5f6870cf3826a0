//! The client's one error type.

use shiori_core::api::ApiError;
use shiori_core::jpki::JpkiError;
use shiori_core::proof::ProofError;

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server answered with an error body.
    #[error("{} ({}, HTTP {status})", .error.message, .error.code)]
    Api {
        /// HTTP status.
        status: u16,
        /// The server's error.
        error: ApiError,
    },
    /// The server could not be reached or the connection failed.
    #[error("cannot reach the library server: {0}")]
    Http(String),
    /// The server's answer was not what the API promises.
    #[error("unexpected answer from the library server: {0}")]
    Decode(String),
    /// The card conversation failed.
    #[error(transparent)]
    Card(#[from] JpkiError),
    /// The server's challenge could not be turned into a proof request.
    #[error("the server's challenge is not usable: {0}")]
    Challenge(#[from] ProofError),
    /// The call needs a session token and the client has none.
    #[error("not logged in")]
    NotLoggedIn,
}

impl ClientError {
    /// A stable code: the server's for API errors, our own otherwise.
    pub fn code(&self) -> &str {
        match self {
            Self::Api { error, .. } => &error.code,
            Self::Http(_) => "server_unreachable",
            Self::Decode(_) => "bad_server_answer",
            Self::Card(e) => e.code(),
            Self::Challenge(e) => e.code(),
            Self::NotLoggedIn => "not_logged_in",
        }
    }
}
