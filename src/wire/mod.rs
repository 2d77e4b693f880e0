//! The model's side of the wire: the Chat Completions format ([`chat`]), the live client for
//! OpenAI-compatible endpoints ([`LiveModel`]), the [`Recorder`] that writes a
//! [`Transcript`] with request [`Fingerprint`]s, the [`ReplayModel`] that answers from one and
//! reports the first [`Divergence`], and the import of production logs ([`log_entries`]).

pub mod chat;
mod import;
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
