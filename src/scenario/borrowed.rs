//! A design file read with its handoff edges borrowed from the file's text: the fast path of
//! `handoff analyze`, for designs of a million handoffs. It accepts exactly what
//! [`DesignFile::parse`] accepts, except strings with escapes (`\n`, `\u00e9`) in `handoffs`,
//! which it refuses; any refusal sends the caller to [`DesignFile::parse`], which reads the
//! file again and gives the error with its place, or the design.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

use super::design_file::DesignFile;
use super::expect::Expect;
use super::file::{AgentFile, ModelFile, agent_from_file};
use super::forms::ProfileFile;
use super::invariant::InvariantFile;
use crate::design::Design;
use crate::engine::{Limits, Policy, Profile};

/// A handoff edge as declared, its names and description borrowed from the file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BorrowedEdge<'a> {
    /// The agent that may hand off.
    pub(crate) source: &'a str,
    /// The agent it may hand off to.
    pub(crate) target: &'a str,
    /// The edge's description; `None` falls back to the target's.
    pub(crate) description: Option<&'a str>,
    /// Whether the edge was declared by the target's name.
    pub(crate) by_name: bool,
}

/// The handoff edges of a design file, in declaration order, repeats included, their names
/// and descriptions borrowed from the file's text (24 bytes an edge, where a
/// [`crate::design::HandoffSpec`] takes 80 and three strings of its own).
#[derive(Debug, Default)]
pub(crate) struct BorrowedEdges<'a> {
    /// The text from the first key of `handoffs` on; the edges' offsets count from there.
    text: &'a str,
    /// The source of each run of edges (a key of `handoffs`).
    sources: Vec<&'a str>,
    edges: Vec<Packed>,
}

/// An edge, as offsets into [`BorrowedEdges::text`].
#[derive(Debug, Clone, Copy)]
struct Packed {
    source: u32,
    target: u32,
    target_len: u32,
    description: u32,
    /// `u32::MAX`: no description.
    description_len: u32,
    by_name: bool,
}

impl<'a> BorrowedEdges<'a> {
    /// How many edges there are.
    pub(crate) fn len(&self) -> usize {
        self.edges.len()
    }
    /// Whether there are none.
    pub(crate) fn is_empty(&self) -> bool {
        self.edges.is_empty()
    }
    /// Edge number `i`.
    pub(crate) fn get(&self, i: usize) -> BorrowedEdge<'a> {
        let edge = self.edges[i];
        let at = |start: u32, len: u32| &self.text[start as usize..][..len as usize];
        BorrowedEdge {
            source: self.sources[edge.source as usize],
            target: at(edge.target, edge.target_len),
            description: (edge.description_len != u32::MAX).then(|| at(edge.description, edge.description_len)),
            by_name: edge.by_name,
        }
    }
}

/// A design file whose edges borrow from its text: the file's design holds its agents and
/// start, and no edges; they are in `edges`.
#[derive(Debug)]
pub(crate) struct BorrowedDesign<'a> {
    /// The file, its `declared` design without edges.
    pub(crate) design: DesignFile,
    /// The handoff edges, as [`DesignFile::declared`] would hold them.
    pub(crate) edges: BorrowedEdges<'a>,
}

/// The fields of a scenario file (`file::File`), with the same types but for `handoffs`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Text<'a> {
    #[serde(default, rename = "$schema")]
    #[allow(dead_code)]
    schema: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    description: Option<String>,
    #[serde(default)]
    #[allow(dead_code)]
    task: Option<String>,
    agents: Vec<AgentFile>,
    #[serde(default)]
    start: Option<String>,
    #[serde(default, borrow)]
    handoffs: Handoffs<'a>,
    #[serde(default)]
    profile: Option<ProfileFile>,
    #[serde(default)]
    #[allow(dead_code)]
    user: Option<Vec<super::replies::ReplyFile>>,
    #[serde(default)]
    model: Option<ModelFile>,
    #[serde(default)]
    limits: Option<Limits>,
    #[serde(default)]
    #[allow(dead_code)]
    policy: Policy,
    #[serde(default)]
    #[allow(dead_code)]
    expect: Option<Expect>,
    #[serde(default)]
    #[allow(dead_code)]
    invariants: Vec<InvariantFile>,
}

impl DesignFile {
    /// [`DesignFile::parse`] with the edges borrowed from `text`; `None` where it would fail,
    /// or where a name or description in `handoffs` has an escape: then call it instead.
    pub(crate) fn parse_borrowed<'a>(text: &'a str, file: &str, stem: Option<&str>) -> Option<BorrowedDesign<'a>> {
        // `parse_json` refuses anything but an object at the top.
        if !text.trim_start().starts_with('{') || text.len() >= u32::MAX as usize {
            return None;
        }
        let parsed: Text<'a> = serde_json::from_str(text).ok()?;
        let profile = parsed.profile.as_ref().map_or(&Profile::SEMANTIC_KERNEL, |p| p.profile);
        let mut declared = Design::builder();
        for agent in parsed.agents {
            declared = declared.agent(agent_from_file(agent));
        }
        if let Some(start) = parsed.start {
            declared = declared.start(start);
        }
        let declared = declared.tool_surface(profile.tools);
        declared.check_agents().ok()?;
        let design = DesignFile::assemble(
            (file, stem),
            parsed.name,
            declared,
            parsed.limits,
            parsed.profile.as_ref(),
            parsed.model,
        );
        Some(BorrowedDesign {
            design,
            edges: parsed.handoffs.edges(text)?,
        })
    }
}

/// `handoffs`, an object of objects, flattened into its edges as it is read (repeated keys
/// are kept, as `OrderedMap<_, true>` keeps them). Offsets count from `first`, the first key.
#[derive(Default)]
struct Handoffs<'a> {
    first: Option<&'a str>,
    sources: Vec<&'a str>,
    edges: Vec<Packed>,
}

impl<'a> Handoffs<'a> {
    /// The offset of `text`, a string of the file after `first`, from `first`.
    fn offset<E: de::Error>(&self, text: &str) -> Result<u32, E> {
        let first = self.first.map_or(0, |f| f.as_ptr() as usize);
        (text.as_ptr() as usize)
            .checked_sub(first)
            .and_then(|o| u32::try_from(o).ok())
            .ok_or_else(|| E::custom("not an offset into the file"))
    }

    /// The edges, offsets resolved against `text`, the whole file.
    fn edges(self, text: &'a str) -> Option<BorrowedEdges<'a>> {
        let Some(first) = self.first else {
            return Some(BorrowedEdges::default());
        };
        let start = (first.as_ptr() as usize).checked_sub(text.as_ptr() as usize)?;
        Some(BorrowedEdges {
            text: text.get(start..)?,
            sources: self.sources,
            edges: self.edges,
        })
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Handoffs<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Handoffs<'a>, D::Error> {
        struct Sources;
        impl<'de> Visitor<'de> for Sources {
            type Value = Handoffs<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Handoffs<'de>, A::Error> {
                let mut handoffs = Handoffs::default();
                while let Some(source) = map.next_key::<&'de str>()? {
                    handoffs.first.get_or_insert(source);
                    let index = u32::try_from(handoffs.sources.len()).map_err(de::Error::custom)?;
                    handoffs.sources.push(source);
                    map.next_value_seed(Targets {
                        source: index,
                        handoffs: &mut handoffs,
                    })?;
                }
                Ok(handoffs)
            }
        }
        deserializer.deserialize_map(Sources)
    }
}

/// The targets of source number `source`, appended to `handoffs`.
struct Targets<'a, 'h> {
    source: u32,
    handoffs: &'h mut Handoffs<'a>,
}

impl<'de> DeserializeSeed<'de> for Targets<'de, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Targets<'de, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let length = |text: &str| u32::try_from(text.len()).map_err(de::Error::custom);
        while let Some(target) = map.next_key::<&'de str>()? {
            let edge: Edge<'de> = map.next_value()?;
            let (description, description_len) = match edge.description {
                Some(text) => (self.handoffs.offset(text)?, length(text)?),
                None => (0, u32::MAX),
            };
            let packed = Packed {
                source: self.source,
                target: self.handoffs.offset(target)?,
                target_len: length(target)?,
                description,
                description_len,
                by_name: edge.by_name,
            };
            self.handoffs.edges.push(packed);
        }
        Ok(())
    }
}

/// An edge's value, as `forms::EdgeFile` reads it: a description, `null`, or an object.
#[derive(Default)]
struct Edge<'a> {
    description: Option<&'a str>,
    by_name: bool,
}

impl<'de: 'a, 'a> Deserialize<'de> for Edge<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Edge<'a>, D::Error> {
        struct Form;
        impl<'de> Visitor<'de> for Form {
            type Value = Edge<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a description without escapes, null, or an object")
            }
            fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Edge<'de>, E> {
                Ok(Edge {
                    description: Some(text),
                    by_name: false,
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<Edge<'de>, E> {
                Ok(Edge::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<Edge<'de>, E> {
                Ok(Edge::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Edge<'de>, A::Error> {
                let mut edge = Edge::default();
                let (mut description, mut by_name) = (false, false);
                while let Some(key) = map.next_key::<&'de str>()? {
                    match key {
                        "description" if !description => {
                            description = true;
                            edge.description = map.next_value()?;
                        }
                        "by_name" if !by_name => {
                            by_name = true;
                            edge.by_name = map.next_value()?;
                        }
                        _ => return Err(de::Error::custom("not a field of an edge, or given twice")),
                    }
                }
                Ok(edge)
            }
        }
        deserializer.deserialize_any(Form)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DESIGN: &str = r#"{"name": "d", "agents": [{"name": "A", "description": "first"}, {"name": "B"}],
        "handoffs": {"A": {"B": "to b", "A": null}, "B": {"A": {"description": "back", "by_name": true}},
                     "A": {"B": {"by_name": false}}}}"#;

    #[test]
    fn reads_the_edges_of_the_design_as_declared() {
        let fast = DesignFile::parse_borrowed(DESIGN, "d.json", None).unwrap();
        let slow = DesignFile::parse(DESIGN, "d.json", None).unwrap();
        let declared: Vec<_> = slow
            .declared
            .edges()
            .iter()
            .map(|e| BorrowedEdge {
                source: &e.source,
                target: &e.target,
                description: e.description.as_deref(),
                by_name: e.by_name,
            })
            .collect();
        let edges: Vec<_> = (0..fast.edges.len()).map(|i| fast.edges.get(i)).collect();
        assert_eq!(edges, declared);
        assert_eq!(fast.design.declared.agents(), slow.declared.agents());
        assert!(fast.design.declared.edges().is_empty());
        assert_eq!((fast.design.name, fast.design.profile), (slow.name, slow.profile));
    }

    #[test]
    fn refuses_what_the_full_parse_refuses_and_escaped_handoffs() {
        let refused = [
            // Escapes in handoffs: the full parse reads them.
            r#"{"agents": [{"name": "A"}, {"name": "B"}], "handoffs": {"A": {"B": "say \"hi\""}}}"#,
            r#"{"agents": [{"name": "A"}, {"name": "B"}], "handoffs": {"\u0041": {"B": null}}}"#,
            // Errors: the full parse names their places.
            r#"{"agents": [{"name": "A"}], "handoffs": {"A": {"B": 3}}}"#,
            r#"{"agents": [{"name": "A"}], "handoffs": {"A": {"B": {"description": "x", "description": "y"}}}}"#,
            r#"{"agents": [{"name": "A"}], "handoffs": {"A": {"B": {"by_nam": true}}}}"#,
            r#"{"agents": [{"name": "A"}], "handoffs": []}"#,
            r#"{"agents": [{"name": "A"}], "extra": 1}"#,
            r#"{"agents": [{"name": "A"}, {"name": "A"}]}"#,
            r#"{"agents": [{"name": "A"}], "user": [1]}"#,
            r#"{"agents": [{"name": "A"}]} trailing"#,
            r#"["agents"]"#,
        ];
        for text in refused {
            assert!(DesignFile::parse_borrowed(text, "d.json", None).is_none(), "{text}");
        }
        let escaped = DesignFile::parse(refused[0], "d.json", None).unwrap();
        assert_eq!(escaped.declared.edges()[0].description.as_deref(), Some("say \"hi\""));
        for text in &refused[2..] {
            assert!(DesignFile::parse(text, "d.json", None).is_err(), "{text}");
        }
    }
}
