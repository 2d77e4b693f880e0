//! The model's side of the wire: the Chat Completions format ([`chat`]), the live client for
//! OpenAI-compatible endpoints ([`LiveModel`]), the [`Recorder`] that writes a
//! [`Transcript`] with request [`Fingerprint`]s, the [`ReplayModel`] that answers from one and
//! reports the first [`Divergence`], the import of production logs ([`log_entries`]), and what
//! a model call receives as its framework's model reads it ([`items`]: Chat messages or
//! Responses input items).

pub mod chat;
mod import;
pub mod items;
mod live;
mod record;
mod replay;
mod stream;
mod transcript;

pub use import::{ImportError, log_entries};
pub use live::{Auth, Endpoint, LiveModel, Redactor};
pub use record::Recorder;
pub use replay::{Divergence, Matching, Replay, ReplayModel, Unused, request_lines_of};
pub use stream::parse_stream;
pub use transcript::{
    FORMAT_1_PROFILE, FORMAT_VERSION, Fingerprint, Fingerprinter, RecordedAgent, RecordedApproval, RecordedCall,
    RecordedFunctionCall, RecordedHost, RecordedResponse, RecordedToolResult, Transcript, request_lines,
};
