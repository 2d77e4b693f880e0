//! A JSON object read in file order. Handoff targets are offered to the model in the order
//! they are written, so the scenario's maps must keep their key order. A key given twice is
//! an error naming both places, unless the map is `OrderedMap<T, true>`, which keeps repeats
//! for a caller that reports them itself (a design's repeated handoff edges).

use std::fmt;
use std::marker::PhantomData;

use serde::de::{Deserialize, Deserializer, Error, MapAccess, Visitor};

/// Key-value pairs of a JSON object, in file order; with `REPEATS`, a repeated key is kept.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedMap<T, const REPEATS: bool = false>(pub Vec<(String, T)>);

impl<T, const REPEATS: bool> Default for OrderedMap<T, REPEATS> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<T, const REPEATS: bool> OrderedMap<T, REPEATS> {
    /// The first key given twice, with the positions (from 1) of its first two entries.
    pub fn repeated(&self) -> Option<(&str, usize, usize)> {
        self.0.iter().enumerate().find_map(|(second, (key, _))| {
            let first = self.0[..second].iter().position(|(k, _)| k == key)?;
            Some((key.as_str(), first + 1, second + 1))
        })
    }
}

impl<'de, T: Deserialize<'de>, const REPEATS: bool> Deserialize<'de> for OrderedMap<T, REPEATS> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Pairs<T, const REPEATS: bool>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const REPEATS: bool> Visitor<'de> for Pairs<T, REPEATS> {
            type Value = OrderedMap<T, REPEATS>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut pairs: Vec<(String, T)> = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
                while let Some(key) = map.next_key::<String>()? {
                    if !REPEATS && let Some(first) = pairs.iter().position(|(k, _)| *k == key) {
                        return Err(A::Error::custom(format!(
                            "`{key}` is given twice (keys {} and {} of this object)",
                            first + 1,
                            pairs.len() + 1
                        )));
                    }
                    pairs.push((key, map.next_value()?));
                }
                Ok(OrderedMap(pairs))
            }
        }
        deserializer.deserialize_map(Pairs::<T, REPEATS>(PhantomData))
    }
}

/// Deserialises a JSON object as a `serde_json::Map`, refusing a key given twice (which the
/// map would otherwise merge silently, the later value winning).
pub fn unique_object<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<serde_json::Map<String, serde_json::Value>, D::Error> {
    let pairs = OrderedMap::<serde_json::Value>::deserialize(deserializer)?;
    Ok(pairs.0.into_iter().collect())
}

/// An object whose values are `T`s, in any order the file gives them.
impl<T: schemars::JsonSchema, const REPEATS: bool> schemars::JsonSchema for OrderedMap<T, REPEATS> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Map_of_{}", T::schema_name()).into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "object", "additionalProperties": generator.subschema_for::<T>() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_file_order_and_refuses_repeats() {
        let m: OrderedMap<u8> = serde_json::from_str(r#"{"z": 1, "a": 2}"#).unwrap();
        assert_eq!(m.0, vec![("z".into(), 1), ("a".into(), 2)]);
        let error = serde_json::from_str::<OrderedMap<u8>>(r#"{"z": 1, "a": 2, "z": 3}"#).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("`z` is given twice (keys 1 and 3 of this object)"),
            "{error}"
        );
    }

    #[test]
    fn a_map_that_allows_repeats_keeps_them_and_names_the_first() {
        let m: OrderedMap<u8, true> = serde_json::from_str(r#"{"z": 1, "a": 2, "z": 3}"#).unwrap();
        assert_eq!(m.0, vec![("z".into(), 1), ("a".into(), 2), ("z".into(), 3)]);
        assert_eq!(m.repeated(), Some(("z", 1, 3)));
    }

    #[test]
    fn an_object_of_arguments_refuses_a_repeated_key() {
        #[derive(serde::Deserialize)]
        struct Args {
            #[serde(deserialize_with = "unique_object")]
            args: serde_json::Map<String, serde_json::Value>,
        }
        let error = serde_json::from_str::<Args>(r#"{"args": {"id": 1, "id": 2}}"#)
            .err()
            .unwrap();
        assert!(error.to_string().contains("`id` is given twice"), "{error}");
        let ok: Args = serde_json::from_str(r#"{"args": {"id": 1, "n": 2}}"#).unwrap();
        assert_eq!(ok.args.len(), 2);
    }
}
