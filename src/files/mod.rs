//! The bottom layer: reading input files and naming the place of an error (file, JSON path,
//! line and column), writing output files atomically, JSON objects read in file order, and
//! the words messages are made of.
//! Every other layer uses it; it uses none of them.

mod ordered;
mod place;
mod read;
mod words;
mod write;

pub use ordered::{OrderedMap, unique_object};
pub use place::{Hint, closest, json_key};
pub use read::{FileError, MAX_FILE_SIZE, STDIN, STDIN_NAME, parse_json, read_text, stem};
pub use words::{SHOWN_BYTES, cut, escape_controls, head, names, plural};
pub use write::{OutputError, check_outputs, check_writable, is_stream, same_file, write_atomic, write_or_fallback};
