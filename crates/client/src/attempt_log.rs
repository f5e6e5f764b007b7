//! The `tracing` events of every attempt, written once for both kinds of
//! client: what was sent (operation, method, path, attempt number) and how it
//! ended (status and request id, or the transport failure), with its duration.
//!
//! Never a header value, a query or a body: they carry credentials, tokens and
//! personal data (phone numbers, friendly names).

use std::time::Instant;

use http::{Method, Request, Response};
use twilio_accounts_core::error::request_id;
use twilio_accounts_core::{AttemptNumber, OperationId, TransportError};

/// One attempt being logged: started when the request is handed to the
/// transport, finished with its result.
pub(crate) struct AttemptLog {
    operation: &'static str,
    method: Method,
    path: String,
    attempt: u32,
    started: Instant,
}

impl AttemptLog {
    /// Records the start of an attempt (a TRACE event), or nothing at all
    /// (not even a clock read or a copy of the path) when no subscriber wants
    /// this crate's DEBUG events: the common case costs no more than a check.
    pub(crate) fn start(request: &Request<Vec<u8>>) -> Option<Self> {
        if !tracing::enabled!(tracing::Level::DEBUG) {
            return None;
        }
        let extensions = request.extensions();
        let log = AttemptLog {
            operation: extensions.get::<OperationId>().map_or("", |id| id.0),
            method: request.method().clone(),
            path: request.uri().path().to_owned(),
            attempt: extensions.get::<AttemptNumber>().map_or(0, |a| a.0),
            started: Instant::now(),
        };
        tracing::trace!(
            operation = log.operation,
            method = %log.method,
            path = %log.path,
            attempt = log.attempt,
            "sending"
        );
        Some(log)
    }

    /// Records how the attempt ended (a DEBUG event).
    pub(crate) fn finish(self, result: &Result<Response<Vec<u8>>, TransportError>) {
        let duration_us = u64::try_from(self.started.elapsed().as_micros()).unwrap_or(u64::MAX);
        let AttemptLog {
            operation,
            method,
            path,
            attempt,
            ..
        } = self;
        match result {
            Ok(response) => tracing::debug!(
                operation,
                %method,
                %path,
                attempt,
                status = response.status().as_u16(),
                request_id = %request_id(response.headers()).as_deref().unwrap_or(""),
                duration_us,
                "response"
            ),
            Err(err) => tracing::debug!(
                operation,
                %method,
                %path,
                attempt,
                kind = ?err.kind,
                delivery = ?err.delivery,
                error = %err,
                duration_us,
                "transport failure"
            ),
        }
    }
}
