//! Request fingerprints: SHA-256 of what an agent's model reads, computed incrementally.
//!
//! The fingerprint of a request is the SHA-256 of its `tools` array (compact JSON), a newline,
//! its system message, a newline, and each thread message followed by a newline, every message
//! in the canonical wire JSON of [`ChatMessage::write_canonical`]. An agent's thread only grows,
//! so each agent keeps a hasher fed up to its previous call and hashes only what it has read
//! since: a call costs the new messages, not the whole thread.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::engine::ModelRequest;
use crate::engine::ThreadCursor;
use crate::wire::chat::{ChatMessage, system_of};

/// The SHA-256 of a request; written `sha256:<hex>`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint(pub [u8; 32]);

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("sha256:")?;
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl std::str::FromStr for Fingerprint {
    type Err = String;
    fn from_str(text: &str) -> Result<Fingerprint, String> {
        let hex = text
            .strip_prefix("sha256:")
            .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| format!("`{text}` is not `sha256:` and 64 hexadecimal digits"))?;
        let mut bytes = [0; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("checked hexadecimal");
        }
        Ok(Fingerprint(bytes))
    }
}

impl Serialize for Fingerprint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Fingerprint {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// `sha256:` and 64 hexadecimal digits.
impl schemars::JsonSchema for Fingerprint {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Fingerprint".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "The SHA-256 of the whole request, as `sha256:` and 64 hexadecimal digits.",
            "type": "string",
            "pattern": "^sha256:[0-9a-fA-F]{64}$"
        })
    }
}

/// One agent's request so far: a hasher fed with its tools, system message and thread up to
/// its latest call.
#[derive(Clone)]
pub(crate) struct RequestHash {
    hasher: Sha256,
    scratch: Vec<u8>,
}

impl RequestHash {
    /// A request with these tools (their JSON array) and system message, and no thread yet.
    pub(crate) fn new(tools: &serde_json::Value, system: &ChatMessage) -> RequestHash {
        let mut scratch = serde_json::to_vec(tools).expect("JSON values always serialise");
        scratch.push(b'\n');
        system.write_canonical(&mut scratch);
        scratch.push(b'\n');
        let mut hasher = Sha256::new();
        hasher.update(&scratch);
        scratch.clear();
        RequestHash { hasher, scratch }
    }

    /// Adds a thread message.
    pub(crate) fn add_message(&mut self, message: &ChatMessage) {
        message.write_canonical(&mut self.scratch);
        self.scratch.push(b'\n');
        self.hasher.update(&self.scratch);
        self.scratch.clear();
    }

    /// The fingerprint of the request so far.
    pub(crate) fn fingerprint(&self) -> Fingerprint {
        Fingerprint(self.hasher.clone().finalize().into())
    }
}

/// Fingerprints the requests of a run, each agent's incrementally.
#[derive(Default)]
pub struct Fingerprinter {
    agents: Vec<Option<(RequestHash, ThreadCursor)>>,
}

impl fmt::Debug for Fingerprinter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fingerprinter")
            .field("agents", &self.agents.iter().filter(|a| a.is_some()).count())
            .finish()
    }
}

impl Fingerprinter {
    /// A fingerprinter for a new run.
    pub fn new() -> Fingerprinter {
        Fingerprinter::default()
    }

    /// The fingerprint of `request`, the thread messages its agent has read since its
    /// previous call (only those are hashed), and whether its thread started anew since then
    /// (Semantic Kernel Python's thread dropping: then they are the whole new thread).
    pub fn fingerprint(&mut self, request: &ModelRequest<'_>) -> (Fingerprint, Vec<ChatMessage>, bool) {
        let index = request.agent().index();
        if self.agents.len() <= index {
            self.agents.resize_with(index + 1, || None);
        }
        let restarted = self.agents[index]
            .as_ref()
            .is_some_and(|(_, cursor)| request.log.restarted_since(request.agent(), *cursor));
        if restarted {
            self.agents[index] = None;
        }
        let (hash, cursor) = self.agents[index].get_or_insert_with(|| {
            let tools = request.tools().iter().map(|t| t.json_schema()).collect();
            (RequestHash::new(&tools, &system_of(request)), ThreadCursor::START)
        });
        let mut thread = request.log.thread_after(request.agent(), *cursor);
        let new: Vec<ChatMessage> = thread
            .by_ref()
            .map(|message| ChatMessage::from_thread(request, message))
            .collect();
        new.iter().for_each(|message| hash.add_message(message));
        *cursor = thread.cursor();
        (hash.fingerprint(), new, restarted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_written_as_sha256_hex_and_read_back() {
        let system = crate::wire::chat::system_message(None, "Be brief.");
        let fingerprint = RequestHash::new(&serde_json::json!([]), &system).fingerprint();
        let text = fingerprint.to_string();
        assert!(text.starts_with("sha256:") && text.len() == 71, "{text}");
        assert_eq!(text.parse::<Fingerprint>(), Ok(fingerprint));
        assert!(
            "sha256:xyz"
                .parse::<Fingerprint>()
                .unwrap_err()
                .contains("64 hexadecimal digits")
        );
        // The definition, spelled out: tools, system message, messages, each line-terminated.
        let mut hasher = Sha256::new();
        hasher.update(b"[]\n{\"role\":\"system\",\"content\":\"Be brief.\"}\n");
        assert_eq!(fingerprint, Fingerprint(hasher.finalize().into()));
    }
}
