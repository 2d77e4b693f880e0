//! JSON with its keys in the order written (`serde_json`'s map sorts them, and in a scenario
//! file the order of `handoffs` and of a tool's `parameters` means something), printed the
//! way the shipped scenarios are: two-space indents, a value on one line when it fits.

use serde_json::Value;

/// The widest line a value is put on whole.
const WIDTH: usize = 100;

/// A JSON value whose objects keep their key order.
#[derive(Debug, Clone)]
pub enum Json {
    /// An object, its fields in order.
    Object(Vec<(String, Json)>),
    /// An array.
    Array(Vec<Json>),
    /// A value of `serde_json` (scalars; objects whose key order does not matter).
    Value(Value),
}

impl Json {
    /// An object of these fields, in this order.
    pub fn object<K: Into<String>>(fields: impl IntoIterator<Item = (K, Json)>) -> Json {
        Json::Object(fields.into_iter().map(|(k, v)| (k.into(), v)).collect())
    }

    /// A string.
    pub fn text(text: impl Into<String>) -> Json {
        Json::Value(Value::String(text.into()))
    }

    /// The file's text: pretty, with a final newline.
    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write(0, 0, &mut out);
        out.push('\n');
        out
    }

    fn compact(&self) -> String {
        match self {
            Json::Value(v) => compact_value(v),
            Json::Array(items) => {
                let items: Vec<String> = items.iter().map(Json::compact).collect();
                format!("[{}]", items.join(", "))
            }
            Json::Object(fields) => {
                let fields: Vec<String> = fields
                    .iter()
                    .map(|(k, v)| format!("{}: {}", string(k), v.compact()))
                    .collect();
                format!("{{{}}}", fields.join(", "))
            }
        }
    }

    /// Writes the value at `indent`, its first line starting at column `column`.
    fn write(&self, indent: usize, column: usize, out: &mut String) {
        let compact = self.compact();
        let (open, close, items): (&str, &str, Vec<(Option<&str>, &Json)>) = match self {
            Json::Object(fields) if column + compact.len() > WIDTH && !fields.is_empty() => {
                ("{", "}", fields.iter().map(|(k, v)| (Some(k.as_str()), v)).collect())
            }
            Json::Array(values) if column + compact.len() > WIDTH && !values.is_empty() => {
                ("[", "]", values.iter().map(|v| (None, v)).collect())
            }
            _ => {
                out.push_str(&compact);
                return;
            }
        };
        let pad = " ".repeat(indent + 2);
        out.push_str(open);
        out.push('\n');
        for (i, (key, value)) in items.iter().enumerate() {
            out.push_str(&pad);
            let mut column = indent + 2;
            if let Some(key) = key {
                let key = format!("{}: ", string(key));
                column += key.len();
                out.push_str(&key);
            }
            value.write(indent + 2, column, out);
            if i + 1 < items.len() {
                out.push(',');
            }
            out.push('\n');
        }
        out.push_str(&" ".repeat(indent));
        out.push_str(close);
    }
}

fn string(text: &str) -> String {
    serde_json::to_string(text).expect("a string serialises")
}

/// A `serde_json` value on one line, with a space after `:` and `,`.
fn compact_value(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(compact_value).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let fields: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", string(k), compact_value(v)))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
        scalar => scalar.to_string(),
    }
}

impl From<Value> for Json {
    fn from(value: Value) -> Json {
        Json::Value(value)
    }
}
